//! Member value types and their rules: status, email, phone, WeChat ID, tag, and how a member
//! is named on the command line.
//!
//! Pure: parsing and validation only. No SQL (beyond ToSql/FromSql), no terminal.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use thiserror::Error;

use crate::sanitize::quoted;

/// A value that breaks one of the member rules below; the message names the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidValue {
    #[error("invalid email {}: {}", quoted(.0), self.rule())]
    Email(String),
    #[error("invalid phone {}: {}", quoted(.0), self.rule())]
    Phone(String),
    #[error("invalid WeChat ID {}: {}", quoted(.0), self.rule())]
    Wechat(String),
    #[error("invalid tag {}: {}", quoted(.0), self.rule())]
    Tag(String),
    #[error("invalid status {}: {}", quoted(.0), self.rule())]
    Status(String),
    #[error("invalid name {}: {}", quoted(.0), self.rule())]
    Name(String),
}

impl InvalidValue {
    /// The message without the value, for messages that name the value already:
    /// `invalid email: expected name@domain.tld`.
    pub fn without_value(&self) -> String {
        let what = match self {
            InvalidValue::Email(_) => "email",
            InvalidValue::Phone(_) => "phone",
            InvalidValue::Wechat(_) => "WeChat ID",
            InvalidValue::Tag(_) => "tag",
            InvalidValue::Status(_) => "status",
            InvalidValue::Name(_) => "name",
        };
        format!("invalid {what}: {}", self.rule())
    }

    /// The rule the value breaks, for messages that name the value already.
    pub fn rule(&self) -> &'static str {
        match self {
            InvalidValue::Email(_) => "expected name@domain.tld",
            InvalidValue::Phone(_) => "expected 5 to 20 digits, optionally starting with +",
            InvalidValue::Wechat(_) => {
                "expected 1 to 64 letters, digits, '_', '-' or '.' (no spaces)"
            }
            InvalidValue::Tag(_) => {
                "a tag is 1 to 64 characters without commas, semicolons or line breaks, and not a placeholder such as - or N/A"
            }
            InvalidValue::Status(_) => {
                "expected one of trial, active, paused, cancelled, expired, comped"
            }
            InvalidValue::Name(_) => "a name is 1 to 200 characters without line breaks",
        }
    }
}

/// Where a member stands. `expired` is also derived: see [`Status::effective`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Trial,
    Active,
    Paused,
    /// Will not renew: keeps access, and counts as paying, until expires_at.
    Cancelled,
    Expired,
    /// Given access without paying.
    Comped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Trial,
        Status::Active,
        Status::Paused,
        Status::Cancelled,
        Status::Expired,
        Status::Comped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Trial => "trial",
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
            Status::Comped => "comped",
        }
    }

    /// Statuses that lapse to `expired` once expires_at is before today. Paused members are
    /// frozen, so their clock does not run out.
    pub fn lapses(self) -> bool {
        matches!(
            self,
            Status::Trial | Status::Active | Status::Cancelled | Status::Comped
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        let name = if name.eq_ignore_ascii_case("canceled") {
            "cancelled"
        } else {
            name
        };
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| InvalidValue::Status(s.to_string()))
    }
}

impl ToSql for Status {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Status {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: InvalidValue| FromSqlError::Other(Box::new(e)))
    }
}

/// A display name: trimmed, 1 to 200 characters, no line breaks; a tab becomes a space.
pub fn name(raw: &str) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let ok =
        !trimmed.is_empty() && trimmed.chars().count() <= 200 && !trimmed.contains(['\n', '\r']);
    ok.then(|| trimmed.replace('\t', " "))
        .ok_or_else(|| InvalidValue::Name(raw.to_string()))
}

/// An email address: `local@domain.tld`, trimmed, at most 254 characters, no spaces, one `@`,
/// a dot in the domain and no empty labels. The case is kept as typed; uniqueness ignores it.
pub fn email(raw: &str) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let invalid = || InvalidValue::Email(raw.to_string());
    if trimmed.len() > 254 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = trimmed.split_once('@').ok_or_else(invalid)?;
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.contains(['@', '"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\']);
    if local_ok && labels_ok {
        Ok(trimmed.to_string())
    } else {
        Err(invalid())
    }
}

/// A phone number, normalised to its digits with an optional leading `+`: spaces, dashes,
/// dots and parentheses are dropped, so `138-0013-8000` and `13800138000` are the same phone.
pub fn phone(raw: &str) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    let mut digits = String::with_capacity(rest.len() + 1);
    digits.push_str(plus);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(InvalidValue::Phone(raw.to_string())),
        }
    }
    let count = digits.len() - plus.len();
    if (5..=20).contains(&count) {
        Ok(digits)
    } else {
        Err(InvalidValue::Phone(raw.to_string()))
    }
}

/// A WeChat ID: 1 to 64 of letters, digits, `_`, `-` and `.`. WeChat itself is stricter for new
/// IDs, but older accounts and exports carry other shapes, so only what cannot be an ID is refused.
pub fn wechat(raw: &str) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let ok = !trimmed.is_empty()
        && trimmed.chars().count() <= 64
        && trimmed
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then(|| trimmed.to_string())
        .ok_or_else(|| InvalidValue::Wechat(raw.to_string()))
}

/// A tag: trimmed, 1 to 64 characters, never a comma, semicolon or control character, so a tag
/// list joined with `;` survives a CSV round trip. Tags compare case-insensitively.
pub fn tag(raw: &str) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    // A placeholder would vanish on the next import, which reads it as an empty cell.
    let ok = !trimmed.is_empty()
        && !is_placeholder(trimmed)
        && trimmed.chars().count() <= 64
        && !trimmed
            .chars()
            .any(|c| c == ',' || c == ';' || c.is_control());
    ok.then(|| trimmed.to_string())
        .ok_or_else(|| InvalidValue::Tag(raw.to_string()))
}

/// What spreadsheets put in a cell to say "nothing here": an import reads it as empty.
pub fn is_placeholder(text: &str) -> bool {
    matches!(
        text,
        "-" | "—" | "/" | "无" | "N/A" | "n/a" | "NULL" | "null"
    )
}

/// How a command line names a member: `id:12`, `email:x`, `phone:x`, `wechat:x`, or a bare value
/// that is tried as each (an `@` means email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRef {
    Id(i64),
    Email(String),
    Phone(String),
    Wechat(String),
    /// A bare value: an id if it is a small number, else a phone or a WeChat ID.
    Any(String),
}

impl FromStr for MemberRef {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some((prefix, value)) = s.split_once(':') {
            match prefix.to_ascii_lowercase().as_str() {
                "id" => {
                    return value
                        .trim()
                        .parse()
                        .map(MemberRef::Id)
                        .map_err(|_| InvalidValue::Name(s.to_string()));
                }
                "email" => return email(value).map(MemberRef::Email),
                "phone" => return phone(value).map(MemberRef::Phone),
                "wechat" => return wechat(value).map(MemberRef::Wechat),
                _ => {}
            }
        }
        if s.contains('@') {
            return email(s).map(MemberRef::Email);
        }
        if s.is_empty() {
            return Err(InvalidValue::Name(s.to_string()));
        }
        Ok(MemberRef::Any(s.to_string()))
    }
}

impl fmt::Display for MemberRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberRef::Id(id) => write!(f, "id:{id}"),
            MemberRef::Email(v)
            | MemberRef::Phone(v)
            | MemberRef::Wechat(v)
            | MemberRef::Any(v) => f.write_str(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_validated_and_keep_their_case() {
        assert_eq!(email(" Li@Example.com ").unwrap(), "Li@Example.com");
        assert!(email("li.lei+tag@mail.example.cn").is_ok());
        assert!(email("用户@例子.中国").is_ok());
        for bad in [
            "",
            "li",
            "li@",
            "@example.com",
            "li@example",
            "li@@example.com",
            "li lei@example.com",
            "li@exa mple.com",
            "li@.example.com",
            "li..lei@example.com",
            "li@example..com",
        ] {
            assert!(email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn phones_are_normalised_to_digits() {
        assert_eq!(phone("138-0013-8000").unwrap(), "13800138000");
        assert_eq!(phone("+86 138 0013 8000").unwrap(), "+8613800138000");
        assert_eq!(phone("(010) 6552.9988").unwrap(), "01065529988");
        for bad in [
            "",
            "1234",
            "12345678901234567890123",
            "138x0013",
            "++86123456",
        ] {
            assert!(phone(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn wechat_ids_refuse_spaces_and_punctuation() {
        assert_eq!(wechat(" xiaolin_88 ").unwrap(), "xiaolin_88");
        assert!(wechat("wxid_abc-1.2").is_ok());
        assert!(wechat("xiao lin").is_err());
        assert!(wechat("a,b").is_err());
        assert!(wechat(&"a".repeat(65)).is_err());
    }

    #[test]
    fn tags_never_hold_separators() {
        assert_eq!(tag(" 写作 ").unwrap(), "写作");
        assert!(tag("a,b").is_err());
        assert!(tag("a;b").is_err());
        assert!(tag("a\nb").is_err());
        assert!(tag("").is_err());
        // It would read back as an empty cell.
        assert!(tag("-").is_err() && tag("N/A").is_err() && tag("无").is_err());
    }

    #[test]
    fn statuses_parse_case_insensitively_and_accept_us_spelling() {
        assert_eq!("Active".parse::<Status>().unwrap(), Status::Active);
        assert_eq!("canceled".parse::<Status>().unwrap(), Status::Cancelled);
        assert_eq!(" Canceled ".parse::<Status>().unwrap(), Status::Cancelled);
        assert_eq!(" PAUSED\t".parse::<Status>().unwrap(), Status::Paused);
        let err = "gone".parse::<Status>().unwrap_err().to_string();
        assert!(err.contains("\"gone\"") && err.contains("comped"), "{err}");
        assert!(!Status::Paused.lapses());
        assert!(Status::Cancelled.lapses());
    }

    #[test]
    fn member_refs_take_prefixes_or_guess() {
        assert_eq!(
            "12".parse::<MemberRef>().unwrap(),
            MemberRef::Any("12".into())
        );
        assert_eq!("id:12".parse::<MemberRef>().unwrap(), MemberRef::Id(12));
        assert_eq!(
            "Li@Example.com".parse::<MemberRef>().unwrap(),
            MemberRef::Email("Li@Example.com".into())
        );
        assert_eq!(
            "phone:138-0013-8000".parse::<MemberRef>().unwrap(),
            MemberRef::Phone("13800138000".into())
        );
        assert!("id:x".parse::<MemberRef>().is_err());
        assert!("".parse::<MemberRef>().is_err());
    }

    #[test]
    fn names_are_trimmed_and_single_line() {
        assert_eq!(name("  李雷 ").unwrap(), "李雷");
        assert!(name(" ").is_err());
        assert!(name("a\nb").is_err());
    }
}
