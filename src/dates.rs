//! Calendar logic: parsing dates, date-times, spans, months, ISO weeks, time zones and stored timestamps, and month-clamping date arithmetic. Pure: `today` is always passed in; must not read the clock, do I/O, SQL, or terminal output.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    SecondsFormat, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const DATE_FORMS: &str = "expected YYYY-MM-DD (2026-12-01, 2026/12/01, 2026-1-5), today, yesterday, tomorrow, or a span from today like +14d or -3m";
const LOOSE_FORMS: &str = "expected a date or date-time like 2024-01-15, 2024/1/5 10:30, 2024年1月15日, 2024-01-15 10:30:00, 2024-01-15T10:30:00Z or +08:00, or a Unix timestamp of 10 or 13 digits";
const SPAN_FORMS: &str =
    "expected a count and a unit like 14d, 2w, 3m or 1y (also 14 days, 3 months, 1 year)";

/// Everything that can go wrong turning text into a date, time, span, month, week or zone.
///
/// Messages are shown to people as they are, so each one names the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("invalid date {}: {reason}; {forms}", crate::sanitize::quoted(.input), forms = DATE_FORMS)]
    Date { input: String, reason: String },

    #[error("invalid date/time {}: {reason}; {forms}", crate::sanitize::quoted(.input), forms = LOOSE_FORMS)]
    DateTime { input: String, reason: String },

    #[error("invalid span {}: {reason}; {forms}", crate::sanitize::quoted(.input), forms = SPAN_FORMS)]
    Span { input: String, reason: String },

    #[error("invalid month {}: {reason}; expected YYYY-MM like 2026-12", crate::sanitize::quoted(.input))]
    Month { input: String, reason: String },

    #[error("invalid ISO week {}: {reason}; expected YYYY-Www like 2026-W49", crate::sanitize::quoted(.input))]
    Week { input: String, reason: String },

    #[error(
        "unknown time zone {}: expected an IANA time zone name like Asia/Shanghai, America/New_York or UTC", crate::sanitize::quoted(.input)
    )]
    TimeZone { input: String },

    #[error(
        "invalid timestamp {}: stored timestamps are RFC 3339 UTC with whole seconds, like 2026-11-23T11:02:00Z", crate::sanitize::quoted(.input)
    )]
    Timestamp { input: String },
}

/// Parses a date typed on the command line, relative to `today`.
///
/// Accepts `2026-12-01`, `2026/12/01`, `2026.12.01`, `2026-1-5`, `2026年12月1日`, the words
/// `today`, `yesterday`, `tomorrow` (any case, also 今天/昨天/明天), and a signed [`Span`]
/// from today such as `+14d`, `-3m`, `+1 year`. Years run from 1 to 9999 and are written
/// with 4 digits.
pub fn parse_date(s: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let err = |reason: String| DateError::Date {
        input: s.to_owned(),
        reason,
    };
    let t = s.trim();
    let out_of_range = || err("the result is outside the supported calendar".to_owned());
    match t.to_lowercase().as_str() {
        "" => return Err(err("the date is empty".to_owned())),
        "today" | "今天" => return Ok(today),
        "yesterday" | "昨天" => return today.pred_opt().ok_or_else(out_of_range),
        "tomorrow" | "明天" => return today.succ_opt().ok_or_else(out_of_range),
        _ => {}
    }
    if let Some(rest) = t.strip_prefix('+') {
        let span = parse_span(rest).map_err(err)?;
        return span.add_to(today).ok_or_else(out_of_range);
    }
    if let Some(rest) = t.strip_prefix('-') {
        let span = parse_span(rest).map_err(err)?;
        return span.sub_from(today).ok_or_else(out_of_range);
    }
    let mut c = Cursor::new(t);
    let date = date_part(&mut c).map_err(err)?;
    if !c.is_empty() {
        return Err(err(format!("unexpected {:?} after the date", c.rest)));
    }
    Ok(date)
}

/// Parses a date or date-time found in a platform export (Ghost, Patreon, Substack,
/// Mailchimp, 知识星球, spreadsheets) into an instant.
///
/// Accepted: a date as in [`parse_date_loose`]; a date then `T` or spaces then `H:MM`,
/// `H:MM:SS` or `H:MM:SS.fraction` (any number of fraction digits; beyond nanoseconds they
/// are dropped); then optionally `Z`, `UTC`, `GMT`, `+08`, `+0800` or `+08:00`, with or
/// without a space before it; RFC 2822 (`Mon, 15 Jan 2024 10:30:00 +0000`); a Unix
/// timestamp of exactly 10 digits (seconds) or 13 digits (milliseconds).
///
/// Values without an offset are wall-clock time in `tz`; a date alone is local midnight.
/// A wall-clock time that falls in a DST gap is moved forward by the length of the gap
/// (New York 2026-03-08 02:30 becomes 03:30 EDT); one that occurs twice takes the earlier.
/// `0000-00-00` and other impossible dates are refused.
pub fn parse_datetime_loose(s: &str, tz: Tz) -> Result<DateTime<Utc>, DateError> {
    let parsed = parse_loose(s).map_err(|reason| loose_error(s, reason))?;
    match parsed {
        Loose::Instant(dt) => Some(dt),
        Loose::Local(ndt) => resolve_local(ndt, tz),
        Loose::Date(d) => resolve_local(d.and_time(NaiveTime::MIN), tz),
    }
    .ok_or_else(|| loose_error(s, "the time is outside the supported calendar".to_owned()))
}

/// The calendar date in `tz` of a value accepted by [`parse_datetime_loose`]. A value without
/// an offset keeps the date as written; one with an offset or a Unix timestamp is converted.
pub fn parse_date_loose(s: &str, tz: Tz) -> Result<NaiveDate, DateError> {
    let parsed = parse_loose(s).map_err(|reason| loose_error(s, reason))?;
    Ok(match parsed {
        Loose::Date(d) => d,
        Loose::Local(ndt) => ndt.date(),
        Loose::Instant(dt) => dt.with_timezone(&tz).date_naive(),
    })
}

fn loose_error(s: &str, reason: String) -> DateError {
    DateError::DateTime {
        input: s.to_owned(),
        reason,
    }
}

/// A length of calendar time.
///
/// Rule: a count of at least 1 and a unit, `d`/`day(s)`, `w`/`week(s)`, `m`/`month(s)` (not
/// minutes), `y`/`year(s)` or 天/周/个月/年, any case, with optional space between; at most
/// 100 years (36525d, 5218w, 1200m, 100y). Displays in the short form, `14d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    Days(u32),
    Weeks(u32),
    Months(u32),
    Years(u32),
}

const MAX_DAYS: u32 = 36_525;
const MAX_WEEKS: u32 = 5_218;
const MAX_MONTHS: u32 = 1_200;
const MAX_YEARS: u32 = 100;

impl Span {
    /// `date` moved forward; months and years clamp to the month's last day
    /// (2026-01-31 + 1m = 2026-02-28). `None` past the end of the calendar.
    pub fn add_to(self, date: NaiveDate) -> Option<NaiveDate> {
        match self {
            Span::Days(n) => date.checked_add_days(chrono::Days::new(u64::from(n))),
            Span::Weeks(n) => date.checked_add_days(chrono::Days::new(u64::from(n) * 7)),
            Span::Months(n) => add_months(date, n),
            Span::Years(n) => add_months(date, n.checked_mul(12)?),
        }
    }

    /// `date` moved back, clamping like [`Span::add_to`] (2026-03-31 - 1m = 2026-02-28).
    pub fn sub_from(self, date: NaiveDate) -> Option<NaiveDate> {
        match self {
            Span::Days(n) => date.checked_sub_days(chrono::Days::new(u64::from(n))),
            Span::Weeks(n) => date.checked_sub_days(chrono::Days::new(u64::from(n) * 7)),
            Span::Months(n) => sub_months(date, n),
            Span::Years(n) => sub_months(date, n.checked_mul(12)?),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Days(n) => write!(f, "{n}d"),
            Span::Weeks(n) => write!(f, "{n}w"),
            Span::Months(n) => write!(f, "{n}m"),
            Span::Years(n) => write!(f, "{n}y"),
        }
    }
}

impl FromStr for Span {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_span(s).map_err(|reason| DateError::Span {
            input: s.to_owned(),
            reason,
        })
    }
}

fn parse_span(s: &str) -> Result<Span, String> {
    let t = s.trim().to_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (count, unit) = (&t[..split], t[split..].trim());
    if count.is_empty() {
        return Err("a span starts with a count".to_owned());
    }
    let too_large = || "too large; the longest span is 100 years".to_owned();
    let n: u32 = count.parse().map_err(|_| too_large())?;
    if n == 0 {
        return Err("the count must be at least 1".to_owned());
    }
    let (span, max) = match unit {
        "d" | "day" | "days" | "天" | "日" => (Span::Days(n), MAX_DAYS),
        "w" | "wk" | "wks" | "week" | "weeks" | "周" | "星期" | "个星期" => {
            (Span::Weeks(n), MAX_WEEKS)
        }
        "m" | "mo" | "mos" | "month" | "months" | "个月" | "月" => (Span::Months(n), MAX_MONTHS),
        "y" | "yr" | "yrs" | "year" | "years" | "年" => (Span::Years(n), MAX_YEARS),
        "" => return Err("the unit is missing".to_owned()),
        other => return Err(format!("unknown unit {other:?}")),
    };
    if n > max {
        return Err(format!(
            "too large; the longest span is 100 years ({MAX_DAYS}d, {MAX_WEEKS}w, {MAX_MONTHS}m, {MAX_YEARS}y)"
        ));
    }
    Ok(span)
}

/// `date` plus `months`, clamped to the last day of the resulting month
/// (2026-01-31 + 1 = 2026-02-28, 2024-02-29 + 12 = 2025-02-28). `None` past the calendar's end.
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// `date` minus `months`, clamped like [`add_months`].
pub fn sub_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_sub_months(Months::new(months))
}

/// A calendar month, for monthly reports and `--month`.
///
/// Rule: `YYYY-MM` (also `YYYY/MM`, `YYYY-M`, `YYYY年M月`), year 1 to 9999, month 1 to 12.
/// Displays as `2026-12`; serializes as that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    // Kept as the month's first day so every YearMonth is a real calendar month.
    first: NaiveDate,
}

impl YearMonth {
    /// `None` unless `year` is 1 to 9999 and `month` 1 to 12.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|first| YearMonth { first })
    }

    /// The month containing `date`.
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            first: date.with_day0(0).unwrap_or(date),
        }
    }

    pub fn year(self) -> i32 {
        self.first.year()
    }

    pub fn month(self) -> u32 {
        self.first.month()
    }

    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    pub fn last_day(self) -> NaiveDate {
        // Every month whose first day chrono can represent also has its last day.
        self.first.with_day(self.days()).unwrap_or(self.first)
    }

    /// Number of days in the month.
    pub fn days(self) -> u32 {
        days_in_month(self.year(), self.month())
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        YearMonth::of(date) == self
    }

    /// The following month; `None` after the end of the calendar.
    pub fn next(self) -> Option<YearMonth> {
        add_months(self.first, 1).map(|first| YearMonth { first })
    }

    /// The preceding month; `None` before the start of the calendar.
    pub fn prev(self) -> Option<YearMonth> {
        sub_months(self.first, 1).map(|first| YearMonth { first })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl FromStr for YearMonth {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_month(s)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_month(&text).map_err(serde::de::Error::custom)
    }
}

/// Parses a month such as `2026-12`; see [`YearMonth`] for the accepted forms.
pub fn parse_month(s: &str) -> Result<YearMonth, DateError> {
    let err = |reason: String| DateError::Month {
        input: s.to_owned(),
        reason,
    };
    let mut c = Cursor::new(s.trim());
    let year = c
        .digits(4, 4)
        .ok_or_else(|| err("it must start with a 4-digit year".to_owned()))?;
    let chinese = c.eat('年');
    if !(chinese || c.eat('-') || c.eat('/') || c.eat('.')) {
        return Err(err("the year and month must be separated by -".to_owned()));
    }
    let month = c
        .digits(1, 2)
        .ok_or_else(|| err("the month must be 1 or 2 digits".to_owned()))?;
    if chinese {
        c.eat('月');
    }
    if !c.is_empty() {
        return Err(err(format!("unexpected {:?} after the month", c.rest)));
    }
    if year == 0 {
        return Err(err("there is no year 0".to_owned()));
    }
    if !(1..=12).contains(&month) {
        return Err(err(format!(
            "there is no month {month}; months run from 1 to 12"
        )));
    }
    i32::try_from(year)
        .ok()
        .and_then(|y| YearMonth::new(y, month))
        .ok_or_else(|| err("the year is out of range".to_owned()))
}

/// Parses an ISO 8601 week such as `2026-W49` (also `2026W49`, lower-case `w`) and gives its
/// Monday. Week 53 is accepted only in years that have one.
pub fn parse_iso_week(s: &str) -> Result<NaiveDate, DateError> {
    let err = |reason: String| DateError::Week {
        input: s.to_owned(),
        reason,
    };
    let mut c = Cursor::new(s.trim());
    let year = c
        .digits(4, 4)
        .ok_or_else(|| err("it must start with a 4-digit year".to_owned()))?;
    c.eat('-');
    if !(c.eat('W') || c.eat('w')) {
        return Err(err("the week number must follow a W".to_owned()));
    }
    let week = c
        .digits(1, 2)
        .ok_or_else(|| err("the week must be 1 or 2 digits".to_owned()))?;
    if !c.is_empty() {
        return Err(err(format!("unexpected {:?} after the week", c.rest)));
    }
    if year == 0 {
        return Err(err("there is no year 0".to_owned()));
    }
    let year = i32::try_from(year).map_err(|_| err("the year is out of range".to_owned()))?;
    // 28 December always falls in the last ISO week of its year.
    let weeks = NaiveDate::from_ymd_opt(year, 12, 28)
        .map(|d| d.iso_week().week())
        .ok_or_else(|| err("the year is out of range".to_owned()))?;
    if week == 0 || week > weeks {
        return Err(err(format!("{year} has ISO weeks 1 to {weeks}")));
    }
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
        .ok_or_else(|| err("the week is out of range".to_owned()))
}

/// Parses an IANA time zone name such as `Asia/Shanghai`; exact spelling first, then any case.
pub fn parse_timezone(s: &str) -> Result<Tz, DateError> {
    let t = s.trim();
    if let Ok(tz) = t.parse::<Tz>() {
        return Ok(tz);
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .copied()
        .find(|tz| tz.name().eq_ignore_ascii_case(t))
        .ok_or_else(|| DateError::TimeZone {
            input: s.to_owned(),
        })
}

/// The database's timestamp form: RFC 3339 in UTC with whole seconds, `2026-11-23T11:02:00Z`.
/// Sub-second precision is dropped, so stored values compare correctly as text.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads exactly the form [`format_timestamp`] writes and nothing else, so a malformed row
/// is noticed instead of being guessed at.
pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, DateError> {
    let err = || DateError::Timestamp {
        input: s.to_owned(),
    };
    let b = s.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, &ch)| match i {
            4 | 7 => ch == b'-',
            10 => ch == b'T',
            13 | 16 => ch == b':',
            19 => ch == b'Z',
            _ => ch.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(err());
    }
    // The shape check guarantees ASCII digits at these positions.
    let num = |from: usize, to: usize| s[from..to].parse::<u32>().map_err(|_| err());
    let year = i32::try_from(num(0, 4)?).map_err(|_| err())?;
    let date = NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?).ok_or_else(err)?;
    let time = NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?).ok_or_else(err)?;
    Ok(date.and_time(time).and_utc())
}

// ---- shared parsing machinery ----

enum Loose {
    Date(NaiveDate),
    Local(NaiveDateTime),
    Instant(DateTime<Utc>),
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { rest: s }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// A run of `min..=max` ASCII digits, consumed only if the whole run fits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let n = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if n < min || n > max || n > 9 {
            return None;
        }
        let (d, rest) = self.rest.split_at(n);
        let v = d.parse().ok()?;
        self.rest = rest;
        Some(v)
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn eat_ascii_word(&mut self, word: &str) -> bool {
        match self.rest.get(..word.len()) {
            Some(head) if head.eq_ignore_ascii_case(word) => {
                self.rest = &self.rest[word.len()..];
                true
            }
            _ => false,
        }
    }

    fn skip_ws(&mut self) -> bool {
        let before = self.rest.len();
        self.rest = self.rest.trim_start();
        self.rest.len() != before
    }

    fn peek_digit(&self) -> bool {
        self.rest.starts_with(|c: char| c.is_ascii_digit())
    }
}

/// `YYYY-M-D` with `-`, `/` or `.` (the same one twice), or `YYYY年M月D日`.
fn date_part(c: &mut Cursor<'_>) -> Result<NaiveDate, String> {
    let not_a_date = || "not a recognised date".to_owned();
    let year = c.digits(4, 4).ok_or_else(not_a_date)?;
    let (month, day);
    if c.eat('年') {
        month = c.digits(1, 2).ok_or_else(not_a_date)?;
        if !c.eat('月') {
            return Err(not_a_date());
        }
        day = c.digits(1, 2).ok_or_else(not_a_date)?;
        if !(c.eat('日') || c.eat('号')) {
            return Err(not_a_date());
        }
    } else {
        let sep = ['-', '/', '.']
            .into_iter()
            .find(|&s| c.eat(s))
            .ok_or_else(not_a_date)?;
        month = c.digits(1, 2).ok_or_else(not_a_date)?;
        if !c.eat(sep) {
            return Err(not_a_date());
        }
        day = c.digits(1, 2).ok_or_else(not_a_date)?;
    }
    make_date(year, month, day)
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Builds a date, explaining in words why it does not exist.
fn make_date(year: u32, month: u32, day: u32) -> Result<NaiveDate, String> {
    if year == 0 && month == 0 && day == 0 {
        // MySQL and spreadsheet exports write this for "no date"; importing it as a real
        // date would invent members who joined two thousand years ago.
        return Err("0000-00-00 is a placeholder for a missing date, not a date".to_owned());
    }
    if year == 0 {
        return Err("there is no year 0; years run from 1 to 9999".to_owned());
    }
    if !(1..=12).contains(&month) {
        return Err(format!(
            "there is no month {month}; months run from 1 to 12"
        ));
    }
    let y = i32::try_from(year).map_err(|_| "the year is out of range".to_owned())?;
    let last = days_in_month(y, month);
    if day == 0 {
        return Err("there is no day 0".to_owned());
    }
    if day > last {
        let name = usize::try_from(month - 1)
            .ok()
            .and_then(|i| MONTH_NAMES.get(i))
            .copied()
            .unwrap_or("that month");
        return Err(format!("{name} {y} has {last} days"));
    }
    NaiveDate::from_ymd_opt(y, month, day).ok_or_else(|| "the date is out of range".to_owned())
}

/// `H:MM`, `H:MM:SS`, `H:MM:SS.fffffffff` (also `,` before the fraction).
fn time_part(c: &mut Cursor<'_>) -> Result<NaiveTime, String> {
    let bad = || "the time must look like 10:30 or 10:30:00".to_owned();
    let hour = c.digits(1, 2).ok_or_else(bad)?;
    if !c.eat(':') {
        return Err(bad());
    }
    let minute = c.digits(2, 2).ok_or_else(bad)?;
    let mut second = 0;
    let mut nano = 0;
    if c.eat(':') {
        second = c.digits(2, 2).ok_or_else(bad)?;
        if c.eat('.') || c.eat(',') {
            let n = c.rest.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return Err(bad());
            }
            let (frac, rest) = c.rest.split_at(n);
            c.rest = rest;
            // Finer than nanoseconds cannot be stored; drop the excess digits.
            for b in frac.bytes().chain(std::iter::repeat(b'0')).take(9) {
                nano = nano * 10 + u32::from(b - b'0');
            }
        }
    }
    if hour > 23 {
        return Err(format!("there is no hour {hour}; hours run from 0 to 23"));
    }
    if minute > 59 {
        return Err(format!(
            "there is no minute {minute}; minutes run from 0 to 59"
        ));
    }
    if second > 59 {
        return Err(format!(
            "there is no second {second}; seconds run from 0 to 59"
        ));
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano).ok_or_else(bad)
}

/// Optional `Z`, `UTC`, `GMT`, `±HH`, `±HHMM` or `±HH:MM`, possibly after spaces.
fn offset_part(c: &mut Cursor<'_>) -> Result<Option<FixedOffset>, String> {
    c.skip_ws();
    if c.is_empty() {
        return Ok(None);
    }
    if c.eat('Z') || c.eat('z') || c.eat_ascii_word("UTC") || c.eat_ascii_word("GMT") {
        return Ok(FixedOffset::east_opt(0));
    }
    let sign = if c.eat('+') {
        1
    } else if c.eat('-') || c.eat('−') {
        -1
    } else {
        return Err(format!("unexpected {:?} after the time", c.rest));
    };
    let bad = || "the offset must look like +08:00, +0800 or +08".to_owned();
    let (hours, minutes) = match c.rest.bytes().take_while(u8::is_ascii_digit).count() {
        4 => {
            let hhmm = c.digits(4, 4).ok_or_else(bad)?;
            (hhmm / 100, hhmm % 100)
        }
        2 => {
            let hours = c.digits(2, 2).ok_or_else(bad)?;
            let minutes = if c.eat(':') {
                c.digits(2, 2).ok_or_else(bad)?
            } else {
                0
            };
            (hours, minutes)
        }
        _ => return Err(bad()),
    };
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    let secs = i32::try_from(hours * 3600 + minutes * 60).map_err(|_| bad())?;
    FixedOffset::east_opt(sign * secs).map(Some).ok_or_else(bad)
}

fn parse_loose(s: &str) -> Result<Loose, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("the value is empty".to_owned());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t
            .parse()
            .map_err(|_| "too many digits for a Unix timestamp".to_owned())?;
        let dt = match t.len() {
            10 => DateTime::from_timestamp(n, 0),
            13 => DateTime::from_timestamp_millis(n),
            _ => {
                return Err(
                    "a bare number must be a Unix timestamp of 10 digits (seconds) or 13 digits (milliseconds)"
                        .to_owned(),
                );
            }
        };
        return dt
            .map(Loose::Instant)
            .ok_or_else(|| "the timestamp is out of range".to_owned());
    }
    if t.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return DateTime::parse_from_rfc2822(t)
            .map(|dt| Loose::Instant(dt.with_timezone(&Utc)))
            .map_err(|_| "not a recognised date".to_owned());
    }

    let mut c = Cursor::new(t);
    let date = date_part(&mut c)?;
    if c.is_empty() {
        return Ok(Loose::Date(date));
    }
    if !(c.eat('T') || c.eat('t')) {
        c.skip_ws();
    }
    if !c.peek_digit() {
        return Err(format!("unexpected {:?} after the date", c.rest));
    }
    let time = time_part(&mut c)?;
    let offset = offset_part(&mut c)?;
    if !c.is_empty() {
        return Err(format!("unexpected {:?} after the time", c.rest));
    }
    let local = date.and_time(time);
    match offset {
        None => Ok(Loose::Local(local)),
        Some(off) => off
            .from_local_datetime(&local)
            .single()
            .map(|dt| Loose::Instant(dt.with_timezone(&Utc)))
            .ok_or_else(|| "the time is out of range".to_owned()),
    }
}

/// Wall-clock time in `tz` to an instant: the earlier of two in a DST overlap; in a DST gap,
/// read with the offset in force before the jump, which lands as far past the gap's end as
/// the wall time was past its start (the behaviour of java.time and Temporal "compatible").
fn resolve_local(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    if let Some(dt) = tz.from_local_datetime(&local).earliest() {
        return Some(dt.with_timezone(&Utc));
    }
    let probe = local.checked_sub_signed(TimeDelta::days(1))?;
    let before = tz.offset_from_utc_datetime(&probe).fix();
    let utc = local.checked_sub_signed(TimeDelta::seconds(i64::from(before.local_minus_utc())))?;
    Some(utc.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn today() -> NaiveDate {
        d(2026, 11, 23)
    }
    const SH: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn parse_date_accepts_iso_slashes_and_short_fields() {
        assert_eq!(parse_date("2026-12-01", today()), Ok(d(2026, 12, 1)));
        assert_eq!(parse_date("2026/12/01", today()), Ok(d(2026, 12, 1)));
        assert_eq!(parse_date("2026-1-5", today()), Ok(d(2026, 1, 5)));
        assert_eq!(parse_date(" 2026.1.5 ", today()), Ok(d(2026, 1, 5)));
        assert_eq!(parse_date("2026年12月1日", today()), Ok(d(2026, 12, 1)));
    }

    #[test]
    fn parse_date_accepts_words_in_any_case() {
        assert_eq!(parse_date("today", today()), Ok(today()));
        assert_eq!(parse_date("TODAY", today()), Ok(today()));
        assert_eq!(parse_date("Yesterday", today()), Ok(d(2026, 11, 22)));
        assert_eq!(parse_date("tomorrow", today()), Ok(d(2026, 11, 24)));
        assert_eq!(parse_date("明天", today()), Ok(d(2026, 11, 24)));
    }

    #[test]
    fn parse_date_accepts_signed_spans_from_today() {
        assert_eq!(parse_date("+14d", today()), Ok(d(2026, 12, 7)));
        assert_eq!(parse_date("-3m", today()), Ok(d(2026, 8, 23)));
        assert_eq!(parse_date("+2w", today()), Ok(d(2026, 12, 7)));
        assert_eq!(parse_date("+1 year", today()), Ok(d(2027, 11, 23)));
        assert_eq!(parse_date("-1m", d(2026, 3, 31)), Ok(d(2026, 2, 28)));
        assert!(parse_date("+0d", today()).is_err());
        assert!(parse_date("+14x", today()).is_err());
        assert!(parse_date("14d", today()).is_err());
    }

    #[test]
    fn impossible_dates_name_the_value_and_the_reason() {
        assert_eq!(
            parse_date("2026-02-30", today()).unwrap_err().to_string(),
            format!("invalid date \"2026-02-30\": February 2026 has 28 days; {DATE_FORMS}")
        );
        let msg = parse_date("2024-02-30", today()).unwrap_err().to_string();
        assert!(msg.contains("February 2024 has 29 days"), "{msg}");
        let msg = parse_date("2026-13-01", today()).unwrap_err().to_string();
        assert!(
            msg.contains("\"2026-13-01\": there is no month 13"),
            "{msg}"
        );
        let msg = parse_date("0000-00-00", today()).unwrap_err().to_string();
        assert!(msg.contains("placeholder for a missing date"), "{msg}");
        let msg = parse_date("2026-04-31", today()).unwrap_err().to_string();
        assert!(msg.contains("April 2026 has 30 days"), "{msg}");
        assert!(parse_date("2026-01-00", today()).is_err());
        assert!(parse_date("0000-01-01", today()).is_err());
    }

    #[test]
    fn parse_date_rejects_other_shapes_with_a_hint() {
        for bad in [
            "",
            "12/01/2026",
            "2026-12",
            "2026-12-01x",
            "26-12-01",
            "2026-12/01",
            "soon",
        ] {
            let msg = parse_date(bad, today()).unwrap_err().to_string();
            assert!(msg.contains(&format!("{bad:?}")), "{msg}");
            assert!(msg.contains("expected YYYY-MM-DD"), "{msg}");
        }
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        assert_eq!(parse_date("2024-02-29", today()), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("2000-02-29", today()), Ok(d(2000, 2, 29)));
        assert!(parse_date("1900-02-29", today()).is_err());
        assert!(parse_date("2026-02-29", today()).is_err());
    }

    #[test]
    fn loose_accepts_every_export_form() {
        let cases = [
            ("2022-10-18T06:34:08.000Z", "2022-10-18T06:34:08Z"),
            ("2022-10-18T06:34:08Z", "2022-10-18T06:34:08Z"),
            ("2023-04-08 17:45:28.731953", "2023-04-08T09:45:28.731953Z"),
            ("2024-01-15T10:30:00.000+0800", "2024-01-15T02:30:00Z"),
            ("2024-01-15T10:30:00+08:00", "2024-01-15T02:30:00Z"),
            ("2024-01-15 10:30:00", "2024-01-15T02:30:00Z"),
            ("2024-01-15 10:30", "2024-01-15T02:30:00Z"),
            ("2024-01-15", "2024-01-14T16:00:00Z"),
            ("2024/01/15", "2024-01-14T16:00:00Z"),
            ("2024/1/5 10:30", "2024-01-05T02:30:00Z"),
            ("2024/1/5 10:30:00", "2024-01-05T02:30:00Z"),
            ("2024年1月15日", "2024-01-14T16:00:00Z"),
            ("2024年01月15日 10:30", "2024-01-15T02:30:00Z"),
            ("2024-01-15 10:30:00 UTC", "2024-01-15T10:30:00Z"),
            ("2024-01-15 10:30:00 +0800", "2024-01-15T02:30:00Z"),
            ("2024-01-15T10:30:00-05:00", "2024-01-15T15:30:00Z"),
            ("2024-01-15 10:30:00+08", "2024-01-15T02:30:00Z"),
            ("2024-01-15T10:30", "2024-01-15T02:30:00Z"),
            ("1705285800", "2024-01-15T02:30:00Z"),
            ("1705285800123", "2024-01-15T02:30:00.123Z"),
            ("Mon, 15 Jan 2024 10:30:00 +0000", "2024-01-15T10:30:00Z"),
            ("  2024-01-15 10:30:00  ", "2024-01-15T02:30:00Z"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_datetime_loose(input, SH), Ok(utc(want)), "{input}");
        }
    }

    #[test]
    fn loose_rejects_placeholders_impossible_dates_and_junk() {
        for bad in [
            "",
            "0000-00-00",
            "0000-00-00 00:00:00",
            "2024-02-30",
            "2024-02-30 10:00",
            "2024-13-01",
            "2024-01-15 25:00",
            "2024-01-15 10:61",
            "2024-01-15 10:30:00 PST",
            "2024-01-15 10:30:00 +2500",
            "2024-01-15abc",
            "15/01/2024",
            "20240115",
            "123456789012",
            "45306",
            "yesterday",
            "not a date",
        ] {
            let err = parse_datetime_loose(bad, SH).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
            assert!(parse_date_loose(bad, SH).is_err(), "{bad}");
        }
        let msg = parse_datetime_loose("2024-02-30", SH)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("February 2024 has 29 days"), "{msg}");
    }

    #[test]
    fn dst_gap_shifts_forward_and_overlap_takes_the_earlier() {
        let ny = chrono_tz::America::New_York;
        // 02:30 does not exist on 2026-03-08; it is read as 03:30 EDT.
        assert_eq!(
            parse_datetime_loose("2026-03-08 02:30", ny),
            Ok(utc("2026-03-08T07:30:00Z"))
        );
        assert_eq!(
            parse_datetime_loose("2026-03-08 03:30", ny),
            Ok(utc("2026-03-08T07:30:00Z"))
        );
        // 01:30 happens twice on 2026-11-01; the first is EDT.
        assert_eq!(
            parse_datetime_loose("2026-11-01 01:30", ny),
            Ok(utc("2026-11-01T05:30:00Z"))
        );
        assert_eq!(parse_date_loose("2026-03-08 02:30", ny), Ok(d(2026, 3, 8)));
    }

    #[test]
    fn date_loose_gives_the_calendar_date_in_the_zone() {
        assert_eq!(parse_date_loose("2024-01-15", SH), Ok(d(2024, 1, 15)));
        assert_eq!(parse_date_loose("2024年1月15日", SH), Ok(d(2024, 1, 15)));
        assert_eq!(parse_date_loose("2024-01-15 23:30", SH), Ok(d(2024, 1, 15)));
        // 20:00 UTC is 04:00 the next day in Shanghai.
        assert_eq!(
            parse_date_loose("2024-01-15T20:00:00Z", SH),
            Ok(d(2024, 1, 16))
        );
        assert_eq!(
            parse_date_loose("2024-01-15T20:00:00Z", chrono_tz::UTC),
            Ok(d(2024, 1, 15))
        );
    }

    #[test]
    fn span_parses_short_and_long_forms() {
        assert_eq!("14d".parse(), Ok(Span::Days(14)));
        assert_eq!("2w".parse(), Ok(Span::Weeks(2)));
        assert_eq!("3m".parse(), Ok(Span::Months(3)));
        assert_eq!("1y".parse(), Ok(Span::Years(1)));
        assert_eq!("14 days".parse(), Ok(Span::Days(14)));
        assert_eq!("3 Months".parse(), Ok(Span::Months(3)));
        assert_eq!("1 YEAR".parse(), Ok(Span::Years(1)));
        assert_eq!("12个月".parse(), Ok(Span::Months(12)));
        assert_eq!("100y".parse(), Ok(Span::Years(100)));
        assert_eq!(Span::Days(14).to_string(), "14d");
        assert_eq!(Span::Years(1).to_string(), "1y");
    }

    #[test]
    fn span_rejects_zero_huge_and_unknown() {
        let msg = "0d".parse::<Span>().unwrap_err().to_string();
        assert!(
            msg.starts_with("invalid span \"0d\": the count must be at least 1"),
            "{msg}"
        );
        let msg = "101y".parse::<Span>().unwrap_err().to_string();
        assert!(msg.contains("too large"), "{msg}");
        for bad in [
            "",
            "d",
            "14",
            "14h",
            "-3m",
            "1.5m",
            "99999999999999999999d",
            "36526d",
        ] {
            assert!(bad.parse::<Span>().is_err(), "{bad}");
        }
    }

    #[test]
    fn months_clamp_to_the_last_day() {
        assert_eq!(Span::Months(1).add_to(d(2026, 1, 31)), Some(d(2026, 2, 28)));
        assert_eq!(Span::Months(1).add_to(d(2024, 1, 31)), Some(d(2024, 2, 29)));
        assert_eq!(Span::Years(1).add_to(d(2024, 2, 29)), Some(d(2025, 2, 28)));
        assert_eq!(Span::Years(4).add_to(d(2024, 2, 29)), Some(d(2028, 2, 29)));
        assert_eq!(
            Span::Months(1).sub_from(d(2026, 3, 31)),
            Some(d(2026, 2, 28))
        );
        assert_eq!(add_months(d(2026, 1, 31), 12), Some(d(2027, 1, 31)));
        assert_eq!(add_months(d(2026, 8, 31), 1), Some(d(2026, 9, 30)));
        assert_eq!(add_months(d(2026, 12, 15), 1), Some(d(2027, 1, 15)));
        assert_eq!(sub_months(d(2026, 1, 15), 1), Some(d(2025, 12, 15)));
        assert_eq!(Span::Days(14).add_to(d(2026, 12, 25)), Some(d(2027, 1, 8)));
        assert_eq!(Span::Weeks(1).sub_from(d(2026, 3, 1)), Some(d(2026, 2, 22)));
    }

    #[test]
    fn span_arithmetic_past_the_calendar_is_none() {
        assert_eq!(Span::Years(u32::MAX).add_to(d(2026, 1, 1)), None);
        assert_eq!(Span::Days(u32::MAX).add_to(NaiveDate::MAX), None);
        assert_eq!(add_months(NaiveDate::MAX, 1), None);
        assert_eq!(Span::Months(1).sub_from(NaiveDate::MIN), None);
    }

    #[test]
    fn month_parses_and_knows_its_days() {
        let ym = parse_month("2026-12").unwrap();
        assert_eq!((ym.year(), ym.month()), (2026, 12));
        assert_eq!(ym.first_day(), d(2026, 12, 1));
        assert_eq!(ym.last_day(), d(2026, 12, 31));
        assert_eq!(ym.next(), YearMonth::new(2027, 1));
        assert_eq!(ym.prev(), YearMonth::new(2026, 11));
        assert_eq!(ym.to_string(), "2026-12");
        assert!(ym.contains(d(2026, 12, 31)));
        assert!(!ym.contains(d(2027, 1, 1)));
        assert_eq!(parse_month("2024-2").unwrap().last_day(), d(2024, 2, 29));
        assert_eq!(parse_month("2026/02").unwrap().days(), 28);
        assert_eq!(
            parse_month("2026年3月").unwrap(),
            YearMonth::of(d(2026, 3, 17))
        );
        assert_eq!(
            YearMonth::new(2026, 1).unwrap().prev(),
            YearMonth::new(2025, 12)
        );
    }

    #[test]
    fn month_rejects_impossible_values() {
        let msg = parse_month("2026-13").unwrap_err().to_string();
        assert_eq!(
            msg,
            "invalid month \"2026-13\": there is no month 13; months run from 1 to 12; expected YYYY-MM like 2026-12"
        );
        for bad in [
            "",
            "2026",
            "2026-00",
            "0000-01",
            "2026-12-01",
            "26-12",
            "2026-123",
        ] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
        assert_eq!(YearMonth::new(2026, 0), None);
        assert_eq!(YearMonth::new(10000, 1), None);
    }

    #[test]
    fn month_serde_uses_the_text_form() {
        let ym = YearMonth::new(2026, 3).unwrap();
        assert_eq!(serde_json::to_string(&ym).unwrap(), "\"2026-03\"");
        assert_eq!(
            serde_json::from_str::<YearMonth>("\"2026-03\"").unwrap(),
            ym
        );
        assert!(serde_json::from_str::<YearMonth>("\"2026-13\"").is_err());
    }

    #[test]
    fn iso_week_gives_its_monday() {
        assert_eq!(parse_iso_week("2026-W49"), Ok(d(2026, 11, 30)));
        assert_eq!(parse_iso_week("2026w01"), Ok(d(2025, 12, 29)));
        assert_eq!(parse_iso_week("2026-W53"), Ok(d(2026, 12, 28)));
        let msg = parse_iso_week("2025-W53").unwrap_err().to_string();
        assert!(msg.contains("2025 has ISO weeks 1 to 52"), "{msg}");
        for bad in [
            "",
            "2026-49",
            "2026-W00",
            "2026-W54",
            "2026-W",
            "0000-W01",
            "2026-W49-1",
        ] {
            assert!(parse_iso_week(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezone_names_are_checked() {
        assert_eq!(parse_timezone("Asia/Shanghai"), Ok(SH));
        assert_eq!(parse_timezone("asia/shanghai"), Ok(SH));
        assert_eq!(parse_timezone(" UTC "), Ok(chrono_tz::UTC));
        let msg = parse_timezone("Mars/Olympus").unwrap_err().to_string();
        assert!(msg.contains("\"Mars/Olympus\""), "{msg}");
        assert!(msg.contains("Asia/Shanghai"), "{msg}");
        assert!(parse_timezone("").is_err());
    }

    #[test]
    fn timestamps_use_the_exact_stored_form() {
        let t = utc("2026-11-23T11:02:00.987Z");
        assert_eq!(format_timestamp(t), "2026-11-23T11:02:00Z");
        assert_eq!(
            parse_timestamp("2026-11-23T11:02:00Z"),
            Ok(utc("2026-11-23T11:02:00Z"))
        );
        for bad in [
            "",
            "2026-11-23 11:02:00Z",
            "2026-11-23T11:02:00",
            "2026-11-23T11:02:00+00:00",
            "2026-11-23T11:02:00.000Z",
            "2026-02-30T11:02:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23t11:02:00z",
            "２026-11-23T11:02:00Z",
        ] {
            let err = parse_timestamp(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        // 0001-01-01 ..= 9999-12-31 as days since the Common Era.
        (1i32..=3_652_059).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        (-62_135_596_800i64..=253_402_300_799).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    fn any_span() -> impl Strategy<Value = Span> {
        prop_oneof![
            (1..=MAX_DAYS).prop_map(Span::Days),
            (1..=MAX_WEEKS).prop_map(Span::Weeks),
            (1..=MAX_MONTHS).prop_map(Span::Months),
            (1..=MAX_YEARS).prop_map(Span::Years),
        ]
    }

    proptest! {
        #[test]
        fn timestamp_round_trips(t in any_instant()) {
            prop_assert_eq!(parse_timestamp(&format_timestamp(t)), Ok(t));
        }

        #[test]
        fn stored_timestamps_parse_loosely_too(t in any_instant()) {
            prop_assert_eq!(parse_datetime_loose(&format_timestamp(t), SH), Ok(t));
        }

        #[test]
        fn iso_date_round_trips(date in any_date()) {
            let text = date.format("%Y-%m-%d").to_string();
            prop_assert_eq!(parse_date(&text, today()), Ok(date));
            prop_assert_eq!(parse_date_loose(&text, SH), Ok(date));
        }

        #[test]
        fn local_datetime_round_trips_in_utc(t in any_instant()) {
            let text = t.format("%Y-%m-%d %H:%M:%S").to_string();
            prop_assert_eq!(parse_datetime_loose(&text, chrono_tz::UTC), Ok(t));
        }

        #[test]
        fn span_round_trips(span in any_span()) {
            prop_assert_eq!(span.to_string().parse::<Span>(), Ok(span));
        }

        #[test]
        fn month_round_trips(date in any_date()) {
            let ym = YearMonth::of(date);
            prop_assert_eq!(parse_month(&ym.to_string()), Ok(ym));
            prop_assert!(ym.contains(date));
            prop_assert!(ym.first_day() <= date && date <= ym.last_day());
        }

        #[test]
        fn iso_week_round_trips(date in any_date()) {
            let week = date.iso_week();
            prop_assume!((1..=9999).contains(&week.year()));
            let text = format!("{:04}-W{:02}", week.year(), week.week());
            let monday = parse_iso_week(&text).unwrap();
            prop_assert_eq!(monday.weekday(), Weekday::Mon);
            prop_assert!(monday <= date && (date - monday).num_days() < 7);
        }

        #[test]
        fn add_months_clamps_and_never_overshoots(date in any_date(), n in 0u32..2400) {
            if let Some(out) = add_months(date, n) {
                let months = (out.year() - date.year()) * 12 + out.month() as i32 - date.month() as i32;
                prop_assert_eq!(months, n as i32);
                prop_assert!(out.day() <= date.day());
                prop_assert!(out.day() == date.day() || out == YearMonth::of(out).last_day());
            }
        }

        #[test]
        fn parsers_never_panic_on_arbitrary_text(s in any::<String>()) {
            let _ = parse_date(&s, today());
            let _ = parse_date(&s, NaiveDate::MAX);
            let _ = parse_date(&s, NaiveDate::MIN);
            let _ = parse_datetime_loose(&s, SH);
            let _ = parse_date_loose(&s, SH);
            let _ = s.parse::<Span>();
            let _ = parse_month(&s);
            let _ = parse_iso_week(&s);
            let _ = parse_timezone(&s);
            let _ = parse_timestamp(&s);
        }

        #[test]
        fn parsers_never_panic_on_date_like_text(
            s in "[-+0-9/:. TZtz年月日号UTCdwmy,]{0,32}",
        ) {
            let _ = parse_date(&s, today());
            let _ = parse_date(&s, NaiveDate::MAX);
            let _ = parse_datetime_loose(&s, chrono_tz::America::New_York);
            let _ = parse_date_loose(&s, SH);
            let _ = s.parse::<Span>();
            let _ = parse_month(&s);
            let _ = parse_iso_week(&s);
            let _ = parse_timestamp(&s);
        }
    }
}
