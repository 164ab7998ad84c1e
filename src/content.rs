//! Content value types and the rules of the pipeline: statuses and the transitions between
//! them, titles, urls, topics and reach numbers.
//!
//! Pure: parsing and validation only. No SQL (beyond ToSql/FromSql), no terminal.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use thiserror::Error;

pub use crate::plan::Kind;

/// A value that breaks one of the content rules below; the message names the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidValue {
    #[error(
        "invalid status {0:?}: expected one of idea, draft, review, scheduled, published, archived"
    )]
    Status(String),
    #[error("invalid title {0:?}: a title is 1 to 500 characters")]
    Title(String),
    #[error("invalid topic {0:?}: a topic is 1 to 100 characters without line breaks")]
    Topic(String),
    #[error("invalid url {0:?}: expected an http:// or https:// address without spaces")]
    Url(String),
    #[error("invalid count {0:?}: expected a whole number from 0 to 1000000000000")]
    Count(String),
}

/// Where a piece of content stands in the pipeline. Parsing is case-insensitive.
///
/// idea -> draft -> review -> scheduled -> published -> archived; review can send it back
/// to draft (with a reason), and anything not yet archived can be archived. See
/// [`Status::next`] for every allowed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Idea,
    Draft,
    Review,
    Scheduled,
    Published,
    Archived,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Idea,
        Status::Draft,
        Status::Review,
        Status::Scheduled,
        Status::Published,
        Status::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Idea => "idea",
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    /// The statuses content in this one may move to. Scheduled may be scheduled again (a new
    /// time); review is the only way to scheduled or published; archived can be revived as a
    /// draft.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Idea => &[Draft, Review, Archived],
            Draft => &[Idea, Review, Archived],
            Review => &[Draft, Scheduled, Published, Archived],
            Scheduled => &[Draft, Scheduled, Published, Archived],
            Published => &[Archived],
            Archived => &[Draft],
        }
    }

    /// Checks a move, naming the allowed next statuses when it is not one.
    pub fn check(self, to: Status) -> Result<(), Transition> {
        if self.next().contains(&to) {
            Ok(())
        } else {
            Err(Transition { from: self, to })
        }
    }
}

/// A move the workflow does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "content in {from} cannot become {to}; from {from} it can become: {}",
    from.next().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == lower)
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

// Kind lives in the pure planner; its SQL form is the same lowercase word it displays as.
impl ToSql for Kind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Kind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: crate::plan::ValueError| FromSqlError::Other(Box::new(e)))
    }
}

/// A title: trimmed, 1 to 500 characters. Line breaks are kept (titles imported from
/// spreadsheets sometimes have them); tables escape them on a terminal.
pub fn title(text: &str) -> Result<String, InvalidValue> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(InvalidValue::Title(text.to_string()));
    }
    Ok(t.to_string())
}

/// A topic: trimmed, 1 to 100 characters, one line. Compared exactly.
pub fn topic(text: &str) -> Result<String, InvalidValue> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(InvalidValue::Topic(text.to_string()));
    }
    Ok(t.to_string())
}

/// A url: `http://` or `https://` followed by a host, no whitespace or control characters.
pub fn url(text: &str) -> Result<String, InvalidValue> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && t.len() <= 2000
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(t.to_string())
    } else {
        Err(InvalidValue::Url(text.to_string()))
    }
}

/// The largest reach number accepted (a trillion): beyond any real audience, far from overflow.
const MAX_COUNT: i64 = 1_000_000_000_000;

/// A reach number (views, likes, ...): a whole number from 0 to a trillion. `1,200` and
/// `1_200` are read as 1200 (spreadsheets group digits).
pub fn count(text: &str) -> Result<i64, InvalidValue> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_'))
        .collect();
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=MAX_COUNT).contains(n) && !digits.starts_with('+'))
        .ok_or_else(|| InvalidValue::Count(text.to_string()))
}

/// One dated snapshot of reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub views: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
}

impl Stats {
    /// Likes, comments and shares: the interactions a piece earned.
    pub fn engagement(self) -> i64 {
        self.likes + self.comments + self.shares
    }
}

/// Engagement per view, rounded to 4 places; `None` without views.
///
/// Rule: (likes + comments + shares) / views, over the latest snapshot of each item.
pub fn engagement_rate(engagement: i64, views: i64) -> Option<f64> {
    (views > 0).then(|| (engagement as f64 / views as f64 * 10_000.0).round() / 10_000.0)
}

/// Published content and its reach, summed for one group of the content report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub published: i64,
    pub reach: Stats,
    /// The most viewed item: id, title, views (the lower id wins a tie).
    pub top: Option<(i64, String, i64)>,
}

impl Tally {
    /// Counts one published item with its latest reach.
    pub fn add(&mut self, id: i64, title: &str, stats: Stats) {
        self.published += 1;
        self.reach.views += stats.views;
        self.reach.likes += stats.likes;
        self.reach.comments += stats.comments;
        self.reach.shares += stats.shares;
        let better = match &self.top {
            None => true,
            Some((top_id, _, views)) => (stats.views, -id) > (*views, -top_id),
        };
        if better {
            self.top = Some((id, title.to_string(), stats.views));
        }
    }
}

/// An instant as the community reads it: RFC 3339 with the community's offset,
/// `2026-12-03T20:00:00+08:00`.
pub fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_parses_back_and_forbidden_moves_name_the_allowed_ones() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
            assert_eq!(s.as_str().to_uppercase().parse::<Status>().unwrap(), s);
        }
        assert!(Status::Review.check(Status::Draft).is_ok());
        assert!(Status::Scheduled.check(Status::Published).is_ok());
        let err = Status::Published.check(Status::Draft).unwrap_err();
        assert_eq!(
            err.to_string(),
            "content in published cannot become draft; from published it can become: archived"
        );
        // Nothing reaches scheduled or published without passing review.
        for from in [Status::Idea, Status::Draft] {
            assert!(from.check(Status::Scheduled).is_err());
            assert!(from.check(Status::Published).is_err());
        }
        assert!(Status::Archived.check(Status::Archived).is_err());
    }

    #[test]
    fn titles_topics_and_urls_are_validated() {
        assert_eq!(title("  所有权与借用详解 ").unwrap(), "所有权与借用详解");
        assert!(title("   ").is_err());
        assert!(title(&"x".repeat(501)).is_err());
        assert_eq!(topic("编程技术").unwrap(), "编程技术");
        assert!(topic("a\nb").is_err());
        assert!(url("https://example.com/p/1").is_ok());
        for bad in [
            "example.com",
            "https://",
            "https:///x",
            "http://a b",
            "ftp://x",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_are_whole_and_non_negative() {
        assert_eq!(count("1,200").unwrap(), 1200);
        assert_eq!(count(" 0 ").unwrap(), 0);
        for bad in ["-1", "1.5", "", "abc", "+3", "1000000000001"] {
            assert!(count(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn engagement_rate_is_interactions_per_view() {
        let stats = Stats {
            views: 1200,
            likes: 80,
            comments: 15,
            shares: 9,
        };
        assert_eq!(stats.engagement(), 104);
        assert_eq!(engagement_rate(104, 1200), Some(0.0867));
        assert_eq!(engagement_rate(5, 0), None);
    }

    #[test]
    fn a_tally_sums_reach_and_keeps_the_most_viewed() {
        let mut tally = Tally::default();
        let s = |views| Stats {
            views,
            likes: 1,
            comments: 2,
            shares: 3,
        };
        tally.add(3, "c", s(50));
        tally.add(1, "a", s(90));
        tally.add(2, "b", s(90));
        assert_eq!(tally.published, 3);
        assert_eq!(tally.reach.views, 230);
        assert_eq!(tally.reach.engagement(), 18);
        assert_eq!(tally.top, Some((1, "a".into(), 90)));
    }

    #[test]
    fn local_time_carries_the_offset() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_time(t, chrono_tz::Asia::Shanghai),
            "2026-12-03T20:00:00+08:00"
        );
    }
}
