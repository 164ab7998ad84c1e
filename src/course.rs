//! Course value types and their rules: the slug a course is named by, its status and title.
//!
//! Pure: parsing and validation only. No SQL (beyond ToSql/FromSql), no terminal.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use thiserror::Error;

/// A value that breaks one of the course rules below; the message names the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidCourse {
    #[error(
        "invalid slug {0:?}: a slug is 1 to 64 lower-case letters, digits, '-' or '_', starting and ending with a letter or digit, like rust-101"
    )]
    Slug(String),
    #[error("invalid course status {0:?}: expected one of draft, open, closed")]
    Status(String),
    #[error("invalid title {0:?}: a title is 1 to 200 characters without line breaks")]
    Title(String),
}

/// A course's name in commands and URLs.
///
/// Rule: 1 to 64 characters from `a-z`, `0-9`, `-` and `_`, first and last a letter or digit.
/// Upper-case ASCII letters are accepted and lowered (`Rust-101` is `rust-101`), so a slug
/// is unique whatever the case it was typed in.
pub fn slug(raw: &str) -> Result<String, InvalidCourse> {
    let slug = raw.trim().to_ascii_lowercase();
    let inner = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (1..=64).contains(&slug.len())
        && slug.chars().all(inner)
        && edge(slug.chars().next())
        && edge(slug.chars().last());
    ok.then_some(slug)
        .ok_or_else(|| InvalidCourse::Slug(raw.to_string()))
}

/// A course title: trimmed, 1 to 200 characters, no line breaks.
pub fn title(raw: &str) -> Result<String, InvalidCourse> {
    let trimmed = raw.trim();
    let ok = (1..=200).contains(&trimmed.chars().count()) && !trimmed.chars().any(char::is_control);
    ok.then(|| trimmed.to_string())
        .ok_or_else(|| InvalidCourse::Title(raw.to_string()))
}

/// Whether a course takes students: only `open` ones do (without `--force`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CourseStatus {
    /// Being prepared; not yet sold.
    Draft,
    Open,
    Closed,
}

impl CourseStatus {
    pub const ALL: [CourseStatus; 3] = [
        CourseStatus::Draft,
        CourseStatus::Open,
        CourseStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::Draft => "draft",
            CourseStatus::Open => "open",
            CourseStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for CourseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CourseStatus {
    type Err = InvalidCourse;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        CourseStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == lower)
            .ok_or_else(|| InvalidCourse::Status(s.to_string()))
    }
}

impl ToSql for CourseStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for CourseStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: InvalidCourse| FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe_and_lowered() {
        assert_eq!(slug("rust-101").unwrap(), "rust-101");
        assert_eq!(slug(" Rust_101 ").unwrap(), "rust_101");
        assert_eq!(slug("a").unwrap(), "a");
        for bad in [
            "",
            "-rust",
            "rust-",
            "rust 101",
            "rust/101",
            "入门",
            "a?b",
            "a.b",
            &"x".repeat(65),
        ] {
            let err = slug(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn statuses_parse_any_case() {
        assert_eq!("Open".parse::<CourseStatus>().unwrap(), CourseStatus::Open);
        assert!("archived".parse::<CourseStatus>().is_err());
    }

    #[test]
    fn titles_are_trimmed_and_single_line() {
        assert_eq!(title(" Rust 入门 ").unwrap(), "Rust 入门");
        assert!(title("").is_err());
        assert!(title("a\nb").is_err());
    }
}
