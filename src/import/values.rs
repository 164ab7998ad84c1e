//! Cell parsers shared by every preset: booleans, tag lists, statuses, points and dates in the
//! forms platform exports use. Pure: text in, a value or a reason out.

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

use crate::dates;
use crate::member::{self, Status};

/// `true/false`, `yes/no`, `y/n`, `1/0`, `是/否`, case-insensitive.
pub fn boolean(text: &str) -> Result<bool, String> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" | "t" => Ok(true),
        "false" | "no" | "n" | "0" | "否" | "f" => Ok(false),
        _ => Err("expected true/false, yes/no or 1/0".into()),
    }
}

/// Splits a tag cell on `,` `;` `、` `，` `；` (and `|`), trims, drops empties and duplicates
/// (case-insensitively), and validates each tag.
pub fn tags(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split([',', ';', '、', '，', '；', '|']) {
        // A tab or line break inside a tag is spacing, not meaning. (Most tags are one word:
        // no copy for those.)
        let trimmed = part.trim();
        let spaced;
        let part = if trimmed.split_whitespace().nth(1).is_none() {
            trimmed
        } else {
            spaced = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
            &spaced
        };
        // `VIP; -` has one tag: a placeholder says "nothing", as it does alone in a cell.
        if part.is_empty() || member::is_placeholder(part) {
            continue;
        }
        let tag = member::tag(part).map_err(|e| e.to_string())?;
        if !out.iter().any(|t| same_ignoring_case(t, &tag)) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// Whether two tags are the same but for case (Unicode lower case, without a copy of either).
fn same_ignoring_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Our own status names (and `canceled`), plus the Chinese words spreadsheets use.
pub fn status(text: &str) -> Result<Status, String> {
    if let Ok(status) = text.parse::<Status>() {
        return Ok(status);
    }
    match text.trim() {
        "正常" | "有效" | "活跃" | "在期" | "付费" => Ok(Status::Active),
        "试用" | "体验" | "体验中" | "试用中" => Ok(Status::Trial),
        "暂停" | "冻结" => Ok(Status::Paused),
        "取消" | "已取消" | "不续费" => Ok(Status::Cancelled),
        "过期" | "已过期" | "到期" | "已到期" => Ok(Status::Expired),
        "赠送" | "免费赠送" | "嘉宾" => Ok(Status::Comped),
        _ => Err("expected one of trial, active, paused, cancelled, expired, comped (or 正常, 试用, 暂停, 已取消, 已过期, 赠送)".into()),
    }
}

/// The largest points balance an import takes: far past any real one, and far from overflow
/// when a member's ledger is summed.
const MAX_POINTS: i64 = 1_000_000_000_000;

/// A points balance: a whole number from 0 to [`MAX_POINTS`].
pub fn points(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| (0..=MAX_POINTS).contains(p))
        .ok_or_else(|| format!("expected a whole number of points from 0 to {MAX_POINTS}"))
}

/// A positive integer id.
pub fn id(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| "expected a positive whole number".into())
}

/// How a file's timestamps without a UTC offset are to be read.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// The community's timezone: the calendar day of every date is taken there.
    pub tz: Tz,
    /// Platform exports (Ghost, Patreon, ...) write UTC without saying so.
    pub naive_is_utc: bool,
}

impl Clock {
    /// The community's calendar date of a date or timestamp cell.
    pub fn date(&self, text: &str) -> Result<NaiveDate, String> {
        if self.naive_is_utc {
            dates::parse_datetime_loose(text, chrono_tz::UTC)
                .map(|t| t.with_timezone(&self.tz).date_naive())
                .map_err(reason)
        } else {
            dates::parse_date_loose(text, self.tz).map_err(reason)
        }
    }

    /// A timestamp cell as stored (RFC 3339, UTC).
    pub fn timestamp(&self, text: &str) -> Result<String, String> {
        let zone = if self.naive_is_utc {
            chrono_tz::UTC
        } else {
            self.tz
        };
        dates::parse_datetime_loose(text, zone)
            .map(|t: chrono::DateTime<Utc>| dates::format_timestamp(t))
            .map_err(reason)
    }
}

/// Why a date cell is wrong, without repeating the value (the row error names it already).
fn reason(err: dates::DateError) -> String {
    match err {
        dates::DateError::DateTime { reason, .. } | dates::DateError::Date { reason, .. } => {
            if reason.starts_with("not a recognised") {
                format!(
                    "{reason} (expected e.g. 2024-01-15, 2024/1/5 10:30, 2024年1月15日 or 2024-01-15T10:30:00Z)"
                )
            } else {
                reason
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_every_separator_and_dedupe() {
        assert_eq!(tags("VIP,早鸟").unwrap(), ["VIP", "早鸟"]);
        assert_eq!(
            tags("早鸟、读书会；vip，VIP; ").unwrap(),
            ["早鸟", "读书会", "vip"]
        );
        assert!(tags("").unwrap().is_empty());
        assert_eq!(tags("VIP; -;无").unwrap(), ["VIP"]);
        assert_eq!(tags("note has\ttab").unwrap(), ["note has tab"]);
        assert_eq!(tags(" two   words ;two words").unwrap(), ["two words"]);
        assert_eq!(tags("Ärger;ärger;ÄRGER x").unwrap(), ["Ärger", "ÄRGER x"]);
        assert!(tags(&"x".repeat(70)).is_err());
    }

    #[test]
    fn booleans_and_statuses_accept_what_exports_write() {
        assert!(boolean("TRUE").unwrap());
        assert!(!boolean("No").unwrap());
        assert!(boolean("maybe").is_err());
        assert_eq!(status("Canceled").unwrap(), Status::Cancelled);
        assert_eq!(status("已过期").unwrap(), Status::Expired);
        assert!(status("gone").unwrap_err().contains("正常"));
    }

    #[test]
    fn platform_timestamps_are_utc_and_land_on_the_community_day() {
        let clock = Clock {
            tz: chrono_tz::Asia::Shanghai,
            naive_is_utc: true,
        };
        // 17:45 UTC is 01:45 the next morning in Shanghai.
        assert_eq!(
            clock
                .date("2023-04-08 17:45:28.731953")
                .unwrap()
                .to_string(),
            "2023-04-09"
        );
        assert_eq!(
            clock.date("2022-10-18T06:34:08.000Z").unwrap().to_string(),
            "2022-10-18"
        );
        let local = Clock {
            tz: chrono_tz::Asia::Shanghai,
            naive_is_utc: false,
        };
        assert_eq!(
            local.date("2024-01-15 23:30:00").unwrap().to_string(),
            "2024-01-15"
        );
        assert!(local.date("2026-02-30").is_err());
        assert!(local.date("0000-00-00").is_err());
    }

    #[test]
    fn points_and_ids_are_whole_numbers() {
        assert_eq!(points("120").unwrap(), 120);
        assert!(points("twelve").is_err());
        assert!(points("-5").is_err());
        assert_eq!(points("1000000000000").unwrap(), 1_000_000_000_000);
        let huge = points("99999999999999999999").unwrap_err();
        assert!(huge.contains("from 0 to 1000000000000"), "{huge}");
        assert!(points("1000000000001").is_err());
        assert!(id("0").is_err());
    }
}
