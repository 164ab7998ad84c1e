//! iCalendar (RFC 5545) output for the content calendar: a VCALENDAR with the community's
//! VTIMEZONE and one VEVENT per slot, CRLF line ends, lines folded at 75 octets (never inside
//! a UTF-8 character) and TEXT values escaped.
//!
//! Pure: values in, text out. Written by hand rather than with the `icalendar` crate, whose
//! output orders parameters by hash (so two exports of the same plan differ) and which writes
//! no VTIMEZONE; the format's rules are few and each is tested here.

use chrono::{DateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// The PRODID of every export.
pub const PRODID: &str = "-//community//content plan//EN";

/// Content lines longer than this many octets are folded (RFC 5545 section 3.1).
const FOLD_AT: usize = 75;

/// One calendar entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stays the same across exports, so re-importing updates instead of duplicating.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub categories: Vec<String>,
    pub url: Option<String>,
}

/// The whole file: events in the order given, times in `tz` with its VTIMEZONE.
pub fn calendar(name: &str, tz: Tz, events: &[Event], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |text: &str| {
        fold_into(&mut out, text);
    };
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", text(name)));
    line(&format!("X-WR-TIMEZONE:{}", tz.name()));
    let first = events.iter().map(|e| e.start).min().unwrap_or(stamp);
    let last = events.iter().map(|e| e.end).max().unwrap_or(stamp);
    for l in vtimezone(tz, first, last) {
        line(&l);
    }
    let stamp = utc_time(stamp);
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", text(&e.uid)));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!(
            "DTSTART;TZID={}:{}",
            tz.name(),
            local_time(e.start, tz)
        ));
        line(&format!(
            "DTEND;TZID={}:{}",
            tz.name(),
            local_time(e.end, tz)
        ));
        line(&format!("SUMMARY:{}", text(&e.summary)));
        if !e.description.is_empty() {
            line(&format!("DESCRIPTION:{}", text(&e.description)));
        }
        if !e.categories.is_empty() {
            let list: Vec<String> = e.categories.iter().map(|c| text(c)).collect();
            line(&format!("CATEGORIES:{}", list.join(",")));
        }
        if let Some(url) = &e.url {
            // A URI value is not TEXT: written as is (urls are checked to hold no spaces).
            line(&format!("URL:{url}"));
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// Escapes a TEXT value: backslash, semicolon and comma get a backslash, a line break becomes
/// `\n`, and other control characters (which TEXT may not hold) are dropped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line with CRLF, folded so no physical line exceeds 75 octets: each
/// continuation starts with one space, and a fold never falls inside a UTF-8 character.
pub fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = FOLD_AT;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space of a continuation counts towards its 75 octets.
        limit = FOLD_AT - 1;
    }
}

fn utc_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    if s.is_multiple_of(60) {
        format!("{sign}{:02}{:02}", s / 3600, s / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// The offset of `tz` at `t`: seconds east of UTC, whether it is daylight time, and its
/// abbreviation.
fn offset_at(tz: Tz, t: DateTime<Utc>) -> (i32, bool, Option<String>) {
    let offset = tz.offset_from_utc_datetime(&t.naive_utc());
    (
        offset.fix().local_minus_utc(),
        offset.dst_offset() != TimeDelta::zero(),
        offset.abbreviation().map(str::to_string),
    )
}

/// The VTIMEZONE of `tz` for `first..=last`: the observance in force at `first`, then one per
/// change of offset up to `last`, each with its onset written out (no recurrence rules to get
/// wrong). Changes are found day by day, then to the second.
fn vtimezone(tz: Tz, first: DateTime<Utc>, last: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let mut observance = |onset: DateTime<Utc>, from: i32, to: (i32, bool, Option<String>)| {
        let kind = if to.1 { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        // The onset is the local time just before the change, in the offset it changes from.
        let local = onset.naive_utc() + TimeDelta::seconds(i64::from(from));
        lines.push(format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        lines.push(format!("TZOFFSETFROM:{}", offset_text(from)));
        lines.push(format!("TZOFFSETTO:{}", offset_text(to.0)));
        if let Some(name) = to.2.filter(|n| !n.starts_with(['+', '-'])) {
            lines.push(format!("TZNAME:{}", text(&name)));
        }
        lines.push(format!("END:{kind}"));
    };
    let start = first - TimeDelta::days(1);
    let mut current = offset_at(tz, start);
    observance(start, current.0, current.clone());
    let mut t = start;
    while t < last {
        let next = (t + TimeDelta::days(1)).min(last);
        let after = offset_at(tz, next);
        if after.0 != current.0 || after.1 != current.1 {
            // Narrow (t, next] down to the first second of the new offset.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > TimeDelta::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid).0 == current.0 && offset_at(tz, mid).1 == current.1 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            observance(hi, current.0, after.clone());
            current = after;
        }
        t = next;
    }
    lines.push("END:VTIMEZONE".to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn event(summary: &str, start: &str) -> Event {
        let start = utc(start);
        Event {
            uid: "weekly-article.20261203T2000@x".into(),
            start,
            end: start + TimeDelta::minutes(45),
            summary: summary.into(),
            description: "Rule weekly-article\nTopic: 编程技术; 第 1 期, 共 3 期".into(),
            categories: vec!["article".into(), "编程技术".into()],
            url: None,
        }
    }

    /// Undoes folding: CRLF followed by one space or tab joins the lines.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "").replace("\r\n\t", "")
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets_on_character_boundaries() {
        let long = "所有权与借用详解".repeat(20);
        let ics = calendar(
            "Rust 星球",
            chrono_tz::Asia::Shanghai,
            &[event(&long, "2026-12-03T12:00:00Z")],
            utc("2026-11-23T00:00:00Z"),
        );
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "a bare LF");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Every piece is valid UTF-8 on its own (the split above would have panicked otherwise)
        // and unfolding gives back the whole summary.
        assert!(unfold(&ics).contains(&format!("SUMMARY:{long}\r\n")));
        assert!(ics.contains("\r\n "), "long lines are folded");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a,b;c\\d\ne\r\nf\x07"), "a\\,b\\;c\\\\d\\ne\\nf");
        let ics = calendar(
            "x",
            chrono_tz::Asia::Shanghai,
            &[event("Q&A: 值不值得学, 为什么?", "2026-12-03T12:00:00Z")],
            utc("2026-11-23T00:00:00Z"),
        );
        let ics = unfold(&ics);
        assert!(
            ics.contains("SUMMARY:Q&A: 值不值得学\\, 为什么?\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains(
                "DESCRIPTION:Rule weekly-article\\nTopic: 编程技术\\; 第 1 期\\, 共 3 期\r\n"
            ),
            "{ics}"
        );
        assert!(ics.contains("CATEGORIES:article,编程技术\r\n"), "{ics}");
    }

    #[test]
    fn times_are_local_with_a_vtimezone() {
        let ics = calendar(
            "x",
            chrono_tz::Asia::Shanghai,
            &[event("a", "2026-12-03T12:00:00Z")],
            utc("2026-11-23T08:30:00Z"),
        );
        assert!(
            ics.contains("DTSTART;TZID=Asia/Shanghai:20261203T200000\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains("DTEND;TZID=Asia/Shanghai:20261203T204500\r\n"),
            "{ics}"
        );
        assert!(ics.contains("DTSTAMP:20261123T083000Z\r\n"), "{ics}");
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\n"));
        assert!(
            ics.contains("TZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\n"),
            "{ics}"
        );
    }

    #[test]
    fn daylight_saving_changes_become_observances() {
        // Berlin: summer time from 29 March 2026 01:00 UTC, back on 25 October 01:00 UTC.
        let ics = calendar(
            "x",
            chrono_tz::Europe::Berlin,
            &[
                event("winter", "2026-03-01T19:00:00Z"),
                event("winter again", "2026-11-01T19:00:00Z"),
            ],
            utc("2026-01-01T00:00:00Z"),
        );
        assert!(
            ics.contains(
                "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"
            ),
            "{ics}"
        );
        assert!(
            ics.contains(
                "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
            ),
            "{ics}"
        );
        assert!(
            ics.contains("DTSTART;TZID=Europe/Berlin:20261101T200000\r\n"),
            "{ics}"
        );
    }
}
