//! Content plan: owns the `[plan]` cadence rules and turns them into dated slots; it must do no I/O, no SQL and no terminal output.
//!
//! Generation is a pure function of (rules, date range, skipped dates, time
//! zone, audience interests). Topic rotation is counted from a fixed anchor (the
//! rule's `start`, else 1970-01-01), never from the requested range, so
//! generating December and then January yields exactly the slots of
//! generating December–January at once.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};
use thiserror::Error;

/// Default horizon of `plan generate` when neither `--weeks` nor `--until` is given.
pub const DEFAULT_WEEKS: u32 = 8;
/// Longest range [`generate`] accepts; longer plans are almost certainly a typo in a year.
pub const MAX_RANGE_YEARS: u32 = 5;
/// Longest rule name; names end up in slot keys and table columns.
pub const MAX_RULE_NAME_CHARS: usize = 64;

/// Duration used when a rule has no `duration` key.
const DEFAULT_DURATION_MINUTES: u16 = 60;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A single value that does not follow its rule; the message names the rule
/// and quotes the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    #[error(
        "unknown content kind {0:?}: expected one of article, video, live, discussion, qa, event"
    )]
    Kind(String),
    #[error("unknown weekday {0:?}: expected mon..sun or monday..sunday")]
    Weekday(String),
    #[error(
        "{0:?} is not a day of the month: expected 1..31 (31 means the last day in shorter months), \
         -1..-28 (counted from the end, -1 = last day), or an ordinal weekday such as \"first sat\" \
         or \"last fri\" (first, second, third, fourth, last)"
    )]
    MonthDay(String),
    #[error("{0:?} is not a time of day: expected HH:MM from 00:00 to 23:59")]
    Time(String),
    #[error("{0:?} is not a duration: expected e.g. \"45m\", \"1h30m\" or \"2h\", from 1m to 24h")]
    Duration(String),
    #[error(
        "{0:?} is not a cadence: expected week, month, quarter, or \"N days\" / \"Nd\" with N from 1 to 366"
    )]
    Every(String),
    #[error("{0:?} is not a date: expected YYYY-MM-DD")]
    Date(String),
}

/// One problem in the `[plan]` section, located by rule and key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: `{key}`: {problem}", location(.rule))]
pub struct ConfigError {
    /// Rule name (quoted), or `rule #N` (1-based) when the name itself is
    /// unusable; `None` for keys of `[plan]` itself.
    pub rule: Option<String>,
    /// The TOML key at fault, e.g. `"at"`.
    pub key: &'static str,
    /// What is wrong, quoting the offending value.
    pub problem: String,
}

fn location(rule: &Option<String>) -> String {
    match rule {
        Some(rule) => format!("[[plan.rule]] {rule}"),
        None => "[plan]".to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// Every problem found, so the creator can fix the file in one go.
    #[error("invalid [plan] section:\n{}", join_lines(.0))]
    Config(Vec<ConfigError>),
    #[error("the date range ends on {until}, before it starts on {from}")]
    RangeReversed { from: NaiveDate, until: NaiveDate },
    #[error(
        "the date range {from}..{until} is longer than {MAX_RANGE_YEARS} years; generate it in smaller pieces"
    )]
    RangeTooLong { from: NaiveDate, until: NaiveDate },
    #[error("rule {rule:?}: the local time {local} cannot be placed in time zone {tz}")]
    NoSuchLocalTime {
        rule: String,
        local: NaiveDateTime,
        tz: Tz,
    },
    #[error("rule {rule:?}: {local} plus its duration is outside the supported calendar")]
    OutOfCalendar { rule: String, local: NaiveDateTime },
}

fn join_lines(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(|e| format!("  - {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------
// Validated values
// ---------------------------------------------------------------------------

/// Kind of content a slot is for. Parsing is case-insensitive and accepts
/// exactly article, video, live, discussion, qa (also `q&a`), event; it
/// displays and serializes lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Video,
    Live,
    Discussion,
    Qa,
    Event,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Article,
        Kind::Video,
        Kind::Live,
        Kind::Discussion,
        Kind::Qa,
        Kind::Event,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Video => "video",
            Kind::Live => "live",
            Kind::Discussion => "discussion",
            Kind::Qa => "qa",
            Kind::Event => "event",
        }
    }
}

impl FromStr for Kind {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "q&a" {
            return Ok(Kind::Qa);
        }
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower)
            .ok_or_else(|| ValueError::Kind(s.to_string()))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A weekday named in English, short or long, case-insensitive: `mon`/`monday`
/// … `sun`/`sunday` (also `tues`, `wed`, `thur`, `thurs`). Displays as the
/// lowercase three-letter form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdayName(pub Weekday);

impl FromStr for WeekdayName {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let day = match s.trim().to_ascii_lowercase().as_str() {
            "mon" | "monday" => Weekday::Mon,
            "tue" | "tues" | "tuesday" => Weekday::Tue,
            "wed" | "wednesday" => Weekday::Wed,
            "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
            "fri" | "friday" => Weekday::Fri,
            "sat" | "saturday" => Weekday::Sat,
            "sun" | "sunday" => Weekday::Sun,
            _ => return Err(ValueError::Weekday(s.to_string())),
        };
        Ok(WeekdayName(day))
    }
}

impl fmt::Display for WeekdayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        })
    }
}

/// Which occurrence of a weekday within a month. Only first..fourth and last,
/// because those exist in every month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ordinal {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

impl Ordinal {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "first" | "1st" => Ordinal::First,
            "second" | "2nd" => Ordinal::Second,
            "third" | "3rd" => Ordinal::Third,
            "fourth" | "4th" => Ordinal::Fourth,
            "last" => Ordinal::Last,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Ordinal::First => "first",
            Ordinal::Second => "second",
            Ordinal::Third => "third",
            Ordinal::Fourth => "fourth",
            Ordinal::Last => "last",
        }
    }
}

/// A day within a month (for monthly and quarterly rules):
/// - `"1"`..`"31"`: that day of the month; a day past the month's end means the
///   month's last day (31 in April is 30 April, 30 in February is 28/29 February);
/// - `"-1"`..`"-28"`: counted from the end, `-1` is the last day (`"last"` too);
/// - `"<ordinal> <weekday>"`: ordinal first|second|third|fourth|last (or
///   1st..4th), weekday as in [`WeekdayName`], e.g. `"first sat"`, `"last friday"`.
///
/// Case-insensitive. Displays in the canonical form (`"15"`, `"-1"`, `"first sat"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonthDay {
    Day(u8),
    FromEnd(u8),
    Nth(Ordinal, Weekday),
}

impl MonthDay {
    /// The date this spec falls on in the given month; `None` only when the
    /// month lies outside chrono's calendar.
    pub fn resolve(self, year: i32, month: u32) -> Option<NaiveDate> {
        let last = days_in_month(year, month)?;
        match self {
            MonthDay::Day(d) => NaiveDate::from_ymd_opt(year, month, u32::from(d).min(last)),
            MonthDay::FromEnd(k) => {
                NaiveDate::from_ymd_opt(year, month, last.checked_sub(u32::from(k) - 1)?)
            }
            MonthDay::Nth(Ordinal::Last, wd) => {
                let last_date = NaiveDate::from_ymd_opt(year, month, last)?;
                let back = (7 + last_date.weekday().num_days_from_monday()
                    - wd.num_days_from_monday())
                    % 7;
                NaiveDate::from_ymd_opt(year, month, last - back)
            }
            MonthDay::Nth(ord, wd) => {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                let ahead =
                    (7 + wd.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
                let nth = match ord {
                    Ordinal::First => 0,
                    Ordinal::Second => 1,
                    Ordinal::Third => 2,
                    _ => 3,
                };
                NaiveDate::from_ymd_opt(year, month, 1 + ahead + 7 * nth)
            }
        }
    }
}

impl FromStr for MonthDay {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ValueError::MonthDay(s.to_string());
        let lower = s.trim().to_ascii_lowercase();
        if lower == "last" || lower == "last day" {
            return Ok(MonthDay::FromEnd(1));
        }
        if let Ok(n) = lower.parse::<i32>() {
            return match n {
                1..=31 => u8::try_from(n).map(MonthDay::Day).map_err(|_| err()),
                -28..=-1 => u8::try_from(-n).map(MonthDay::FromEnd).map_err(|_| err()),
                _ => Err(err()),
            };
        }
        let mut words = lower.split_whitespace();
        let (Some(ord), Some(day), None) = (words.next(), words.next(), words.next()) else {
            return Err(err());
        };
        let ord = Ordinal::parse(ord).ok_or_else(err)?;
        let day = day.parse::<WeekdayName>().map_err(|_| err())?;
        Ok(MonthDay::Nth(ord, day.0))
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MonthDay::Day(d) => write!(f, "{d}"),
            MonthDay::FromEnd(k) => write!(f, "-{k}"),
            MonthDay::Nth(ord, wd) => write!(f, "{} {}", ord.as_str(), WeekdayName(*wd)),
        }
    }
}

/// A wall-clock time `HH:MM` (or `H:MM`) from 00:00 to 23:59, in the
/// community's time zone. Displays as `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(NaiveTime);

impl TimeOfDay {
    pub fn time(self) -> NaiveTime {
        self.0
    }
}

impl FromStr for TimeOfDay {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ValueError::Time(s.to_string());
        let (h, m) = s.trim().split_once(':').ok_or_else(err)?;
        let digits = |t: &str, lens: &[usize]| {
            lens.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(h, &[1, 2]) || !digits(m, &[2]) {
            return Err(err());
        }
        let (h, m) = (
            h.parse::<u32>().map_err(|_| err())?,
            m.parse::<u32>().map_err(|_| err())?,
        );
        NaiveTime::from_hms_opt(h, m, 0)
            .map(TimeOfDay)
            .ok_or_else(err)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

/// How long a slot lasts: hours and/or minutes such as `"45m"`, `"1h30m"`,
/// `"2h"` (spaces and case ignored), from 1 minute to 24 hours. Displays
/// canonically (`"90m"` displays as `"1h30m"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotDuration(u16);

impl SlotDuration {
    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn as_delta(self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.0))
    }
}

impl FromStr for SlotDuration {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ValueError::Duration(s.to_string());
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let (hours, rest) = match compact.split_once('h') {
            Some((h, rest)) => (Some(h), rest),
            None => (None, compact.as_str()),
        };
        let minutes = match rest {
            "" => None,
            r => Some(r.strip_suffix('m').ok_or_else(err)?),
        };
        if hours.is_none() && minutes.is_none() {
            return Err(err());
        }
        let number = |t: Option<&str>| -> Result<u32, ValueError> {
            match t {
                None => Ok(0),
                Some(t)
                    if !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    t.parse::<u32>().map_err(|_| err())
                }
                Some(_) => Err(err()),
            }
        };
        let total = number(hours)? * 60 + number(minutes)?;
        if !(1..=24 * 60).contains(&total) {
            return Err(err());
        }
        u16::try_from(total).map(SlotDuration).map_err(|_| err())
    }
}

impl fmt::Display for SlotDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m) = (self.0 / 60, self.0 % 60);
        match (h, m) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h{m}m"),
        }
    }
}

/// How often a rule repeats: `week` (`weekly`), `month` (`monthly`),
/// `quarter` (`quarterly`), or every N days written `"N days"`, `"Nd"` or
/// `day`/`daily` for N = 1, with N from 1 to 366. Case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Every {
    Week,
    Month,
    Quarter,
    Days(u16),
}

impl FromStr for Every {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ValueError::Every(s.to_string());
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "week" | "weekly" => return Ok(Every::Week),
            "month" | "monthly" => return Ok(Every::Month),
            "quarter" | "quarterly" => return Ok(Every::Quarter),
            "day" | "daily" => return Ok(Every::Days(1)),
            _ => {}
        }
        let number = ["days", "day", "d"]
            .iter()
            .find_map(|suffix| lower.strip_suffix(suffix))
            .map(str::trim)
            .ok_or_else(err)?;
        if number.is_empty() || number.len() > 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        match number.parse::<u16>() {
            Ok(n @ 1..=366) => Ok(Every::Days(n)),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Every {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Every::Week => f.write_str("week"),
            Every::Month => f.write_str("month"),
            Every::Quarter => f.write_str("quarter"),
            Every::Days(1) => f.write_str("1 day"),
            Every::Days(n) => write!(f, "{n} days"),
        }
    }
}

// ---------------------------------------------------------------------------
// Config as written in community.toml
// ---------------------------------------------------------------------------

/// The `[plan]` section exactly as written; call [`PlanConfig::validate`]
/// before use (or [`generate`], which does).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// Default horizon of `plan generate`, in weeks.
    #[serde(default = "default_weeks")]
    pub weeks: u32,
    /// `[[plan.rule]]` tables.
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleConfig>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            weeks: DEFAULT_WEEKS,
            rules: Vec::new(),
        }
    }
}

fn default_weeks() -> u32 {
    DEFAULT_WEEKS
}

/// One `[[plan.rule]]` table as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    pub every: String,
    /// A single string is accepted as a one-element list.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub on: Vec<String>,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Quarterly only: 1, 2 or 3. Wide integer so an out-of-range value gets
    /// our message instead of a serde overflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    OneOrMany::deserialize(de)
        .map(|v| match v {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        })
        .map_err(|_| serde::de::Error::custom("`on` must be a string or a list of strings"))
}

// ---------------------------------------------------------------------------
// Validated plan
// ---------------------------------------------------------------------------

/// A validated `[plan]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub weeks: u32,
    pub rules: Vec<Rule>,
}

impl Default for Plan {
    /// No rules: what a community.toml without `[plan]` means.
    fn default() -> Self {
        Plan {
            weeks: DEFAULT_WEEKS,
            rules: Vec::new(),
        }
    }
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub schedule: Schedule,
    pub at: TimeOfDay,
    pub duration: SlotDuration,
    pub kind: Kind,
    pub topics: Topics,
    /// No slot before this date; also the anchor of topic rotation.
    pub start: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Distinct weekdays, sorted Monday first.
    Weekly(Vec<Weekday>),
    /// Distinct day specs, in the order written.
    Monthly(Vec<MonthDay>),
    /// `month` is 1..=3 within each quarter.
    Quarterly { month: u8, days: Vec<MonthDay> },
    /// Every `n` days from the rule's `start`.
    EveryDays(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topics {
    Fixed(String),
    Rotate(Vec<String>),
    /// Rotate through the audience's interests passed to [`generate`].
    Interests,
}

fn valid_rule_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if name.trim() != name {
        return Err(format!("{name:?} must not start or end with spaces"));
    }
    if name.chars().count() > MAX_RULE_NAME_CHARS {
        return Err(format!(
            "{name:?} is longer than {MAX_RULE_NAME_CHARS} characters"
        ));
    }
    if name.contains('@') || name.chars().any(char::is_control) {
        return Err(format!(
            "{name:?} must not contain '@' or control characters (slot keys use rule@time)"
        ));
    }
    Ok(())
}

fn parse_date(s: &str) -> Result<NaiveDate, ValueError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| ValueError::Date(s.to_string()))
}

impl PlanConfig {
    /// Checks every key of every rule and reports all problems at once, each
    /// naming its rule and key.
    pub fn validate(&self) -> Result<Plan, PlanError> {
        let mut errors = Vec::new();
        if !(1..=52 * MAX_RANGE_YEARS).contains(&self.weeks) {
            errors.push(ConfigError {
                rule: None,
                key: "weeks",
                problem: format!(
                    "{} is out of range: expected 1..{}",
                    self.weeks,
                    52 * MAX_RANGE_YEARS
                ),
            });
        }
        let mut seen = HashSet::new();
        let mut rules = Vec::with_capacity(self.rules.len());
        for (i, raw) in self.rules.iter().enumerate() {
            let label = match valid_rule_name(&raw.name) {
                Ok(()) => format!("{:?}", raw.name),
                Err(problem) => {
                    errors.push(ConfigError {
                        rule: Some(format!("rule #{}", i + 1)),
                        key: "name",
                        problem,
                    });
                    format!("rule #{}", i + 1)
                }
            };
            if !seen.insert(raw.name.as_str()) {
                errors.push(ConfigError {
                    rule: Some(label.clone()),
                    key: "name",
                    problem: format!(
                        "{:?} is used by an earlier rule; names must be unique",
                        raw.name
                    ),
                });
            }
            let mut push = |key: &'static str, problem: String| {
                errors.push(ConfigError {
                    rule: Some(label.clone()),
                    key,
                    problem,
                });
            };
            if let Some(rule) = validate_rule(raw, &mut push) {
                rules.push(rule);
            }
        }
        if errors.is_empty() {
            Ok(Plan {
                weeks: self.weeks,
                rules,
            })
        } else {
            Err(PlanError::Config(errors))
        }
    }
}

/// Validates one rule, reporting through `push`; `None` when anything failed.
fn validate_rule(raw: &RuleConfig, push: &mut impl FnMut(&'static str, String)) -> Option<Rule> {
    let mut ok = true;
    let mut check = |key: &'static str, r: Result<(), String>| {
        if let Err(problem) = r {
            push(key, problem);
            ok = false;
        }
    };

    let every = raw.every.parse::<Every>();
    let at = raw.at.parse::<TimeOfDay>();
    let duration = raw
        .duration
        .as_deref()
        .map_or(Ok(SlotDuration(DEFAULT_DURATION_MINUTES)), str::parse);
    let kind = raw.kind.parse::<Kind>();
    let start = raw.start.as_deref().map(parse_date).transpose();
    check(
        "every",
        every.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    check("at", at.as_ref().map(|_| ()).map_err(|e| e.to_string()));
    check(
        "duration",
        duration.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    check("kind", kind.as_ref().map(|_| ()).map_err(|e| e.to_string()));
    check(
        "start",
        start.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );

    let topics = match (&raw.topic, &raw.topics) {
        (Some(_), Some(_)) => {
            check(
                "topic",
                Err("give either `topic` (fixed) or `topics` (rotated), not both".into()),
            );
            None
        }
        (Some(t), None) if t.trim().is_empty() => {
            check("topic", Err("must not be empty".into()));
            None
        }
        (Some(t), None) => Some(Topics::Fixed(t.trim().to_string())),
        (None, Some(list)) if list.is_empty() => {
            check(
                "topics",
                Err("is empty; omit it to rotate through the audience's interests".into()),
            );
            None
        }
        (None, Some(list)) if list.iter().any(|t| t.trim().is_empty()) => {
            check("topics", Err("contains an empty topic".into()));
            None
        }
        (None, Some(list)) => Some(Topics::Rotate(
            list.iter().map(|t| t.trim().to_string()).collect(),
        )),
        (None, None) => Some(Topics::Interests),
    };

    let schedule = match every {
        Err(_) => None,
        Ok(every) => {
            if raw.month.is_some() && every != Every::Quarter {
                check(
                    "month",
                    Err(format!(
                        "only applies to `every = \"quarter\"`, not `every = \"{every}\"`"
                    )),
                );
            }
            match every {
                Every::Week => parse_on(
                    &raw.on,
                    "weekdays such as [\"tue\", \"thu\"]",
                    &mut check,
                    |s| s.parse::<WeekdayName>().map(|w| w.0),
                )
                .map(|mut days| {
                    days.sort_by_key(|d| d.num_days_from_monday());
                    Schedule::Weekly(days)
                }),
                Every::Month | Every::Quarter => {
                    let days = parse_on(
                        &raw.on,
                        "days of the month such as [\"15\"] or [\"first sat\"]",
                        &mut check,
                        str::parse::<MonthDay>,
                    );
                    if every == Every::Month {
                        days.map(Schedule::Monthly)
                    } else {
                        let month = match raw.month {
                            None => Some(1),
                            Some(m @ 1..=3) => u8::try_from(m).ok(),
                            Some(m) => {
                                check(
                                    "month",
                                    Err(format!(
                                        "{m} is not a month of the quarter: expected 1, 2 or 3"
                                    )),
                                );
                                None
                            }
                        };
                        match (month, days) {
                            (Some(month), Some(days)) => Some(Schedule::Quarterly { month, days }),
                            _ => None,
                        }
                    }
                }
                Every::Days(n) => {
                    if !raw.on.is_empty() {
                        check(
                            "on",
                            Err(format!(
                                "does not apply to `every = \"{every}\"`; the days follow from `start`"
                            )),
                        );
                    }
                    if raw.start.is_none() {
                        check(
                            "start",
                            Err(format!(
                                "is required with `every = \"{every}\"`: the first date, e.g. \"2026-12-01\""
                            )),
                        );
                    }
                    Some(Schedule::EveryDays(n))
                }
            }
        }
    };

    if !ok {
        return None;
    }
    Some(Rule {
        name: raw.name.clone(),
        schedule: schedule?,
        at: at.ok()?,
        duration: duration.ok()?,
        kind: kind.ok()?,
        topics: topics?,
        start: start.ok()?,
    })
}

/// Parses `on`: required, each entry valid, no entry twice.
fn parse_on<T: PartialEq>(
    on: &[String],
    expected: &str,
    check: &mut impl FnMut(&'static str, Result<(), String>),
    parse: impl Fn(&str) -> Result<T, ValueError>,
) -> Option<Vec<T>> {
    if on.is_empty() {
        check("on", Err(format!("is required: list {expected}")));
        return None;
    }
    let mut out: Vec<T> = Vec::with_capacity(on.len());
    let mut ok = true;
    for s in on {
        match parse(s) {
            Ok(v) if out.contains(&v) => {
                check("on", Err(format!("{s:?} is listed twice")));
                ok = false;
            }
            Ok(v) => out.push(v),
            Err(e) => {
                check("on", Err(e.to_string()));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

// ---------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------

/// One planned piece of content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub rule: String,
    pub kind: Kind,
    pub topic: Option<String>,
    /// The scheduled wall-clock time as the rule states it. On a day when that
    /// time does not exist (spring-forward gap) this stays the nominal time;
    /// `start` holds the real instant.
    pub local_start: NaiveDateTime,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Slot {
    /// Identity of the slot across runs: (rule name, nominal local start).
    pub fn key(&self) -> SlotKey {
        SlotKey {
            rule: self.rule.clone(),
            local_start: self.local_start,
        }
    }
}

/// Stable identity of a slot. Displays as `rule@YYYY-MM-DDTHH:MM` and parses
/// back from that form (rule names cannot contain '@').
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotKey {
    pub rule: String,
    pub local_start: NaiveDateTime,
}

const KEY_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

impl fmt::Display for SlotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}",
            self.rule,
            self.local_start.format(KEY_TIME_FORMAT)
        )
    }
}

/// The string is not `rule@YYYY-MM-DDTHH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not a slot key: expected rule@YYYY-MM-DDTHH:MM")]
pub struct SlotKeyError(pub String);

impl FromStr for SlotKey {
    type Err = SlotKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || SlotKeyError(s.to_string());
        let (rule, time) = s.rsplit_once('@').ok_or_else(err)?;
        if valid_rule_name(rule).is_err() {
            return Err(err());
        }
        let local_start =
            NaiveDateTime::parse_from_str(time, KEY_TIME_FORMAT).map_err(|_| err())?;
        Ok(SlotKey {
            rule: rule.to_string(),
            local_start,
        })
    }
}

/// The last day of a `weeks`-long horizon starting at `from` (inclusive), for
/// `plan generate --weeks N`. `None` past the end of the calendar.
pub fn until_for_weeks(from: NaiveDate, weeks: u32) -> Option<NaiveDate> {
    from.checked_add_days(chrono::Days::new(u64::from(weeks) * 7))?
        .pred_opt()
}

/// Validates `plan` and generates its slots; see [`Plan::generate`].
pub fn generate(
    plan: &PlanConfig,
    from: NaiveDate,
    until: NaiveDate,
    skipped: &BTreeSet<NaiveDate>,
    tz: Tz,
    interests: &[String],
) -> Result<Vec<Slot>, PlanError> {
    plan.validate()?
        .generate(from, until, skipped, tz, interests)
}

impl Plan {
    /// Every slot whose local date lies in `from..=until` and is not in
    /// `skipped`, sorted by start instant, then rule name.
    ///
    /// Deterministic: the same inputs always give the same slots, and a slot's
    /// topic depends only on its rule and date, never on `from`. Blank
    /// interests are ignored; with no topics and no interests the topic is `None`.
    pub fn generate(
        &self,
        from: NaiveDate,
        until: NaiveDate,
        skipped: &BTreeSet<NaiveDate>,
        tz: Tz,
        interests: &[String],
    ) -> Result<Vec<Slot>, PlanError> {
        if until < from {
            return Err(PlanError::RangeReversed { from, until });
        }
        // When `from + 5 years` overflows the calendar, `until` cannot be further away.
        if from
            .checked_add_months(Months::new(12 * MAX_RANGE_YEARS))
            .is_some_and(|limit| until > limit)
        {
            return Err(PlanError::RangeTooLong { from, until });
        }
        let interests: Vec<String> = interests
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();

        let mut slots = Vec::new();
        for rule in &self.rules {
            let lo = rule.start.map_or(from, |s| s.max(from));
            for (date, rotation) in occurrences(rule, lo, until) {
                if skipped.contains(&date) {
                    continue;
                }
                let topic = match &rule.topics {
                    Topics::Fixed(t) => Some(t.clone()),
                    Topics::Rotate(list) => pick(list, rotation),
                    Topics::Interests => pick(&interests, rotation),
                };
                let local_start = date.and_time(rule.at.time());
                let start = to_utc(local_start, tz).ok_or_else(|| PlanError::NoSuchLocalTime {
                    rule: rule.name.clone(),
                    local: local_start,
                    tz,
                })?;
                let end = start
                    .checked_add_signed(rule.duration.as_delta())
                    .ok_or_else(|| PlanError::OutOfCalendar {
                        rule: rule.name.clone(),
                        local: local_start,
                    })?;
                slots.push(Slot {
                    rule: rule.name.clone(),
                    kind: rule.kind,
                    topic,
                    local_start,
                    start,
                    end,
                });
            }
        }
        slots.sort_by(|a, b| {
            (a.start, &a.rule, a.local_start).cmp(&(b.start, &b.rule, b.local_start))
        });
        Ok(slots)
    }
}

fn pick(list: &[String], rotation: i64) -> Option<String> {
    let len = i64::try_from(list.len()).ok().filter(|&l| l > 0)?;
    let i = usize::try_from(rotation.rem_euclid(len)).ok()?;
    list.get(i).cloned()
}

/// Places a wall-clock time on the time line. A time repeated by a
/// fall-back change takes its first occurrence; a time skipped by a
/// spring-forward change is read with the offset in force before the gap (as
/// RFC 5545 does), so 02:30 on Berlin's spring-forward day becomes 01:30 UTC,
/// i.e. 03:30 summer time.
fn to_utc(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    if let Some(dt) = tz.from_local_datetime(&local).earliest() {
        return Some(dt.with_timezone(&Utc));
    }
    // Gaps are at most a day long (Samoa skipped 2011-12-30 whole), so the
    // offset before it is found within two days back.
    let before = (1..=48).find_map(|h| {
        let probe = local.checked_sub_signed(TimeDelta::hours(h))?;
        tz.from_local_datetime(&probe).latest()
    })?;
    let offset = chrono::Offset::fix(before.offset());
    local
        .checked_sub_signed(TimeDelta::seconds(i64::from(offset.local_minus_utc())))
        .map(|naive| naive.and_utc())
}

// ---------------------------------------------------------------------------
// Occurrences and rotation
// ---------------------------------------------------------------------------

/// Rotation counts from here when a rule has no `start`.
const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Dates of `rule` within `lo..=until` with their rotation index:
/// (whole periods since the anchor's period) × (entries in `on`) + (entry's
/// position), so each period advances the rotation by the same amount and the
/// index never depends on the requested range.
fn occurrences(rule: &Rule, lo: NaiveDate, until: NaiveDate) -> Vec<(NaiveDate, i64)> {
    let anchor = rule.start.unwrap_or(EPOCH);
    let mut out = Vec::new();
    if lo > until {
        return out;
    }
    match &rule.schedule {
        Schedule::Weekly(days) => {
            let n = i64::try_from(days.len()).unwrap_or(1);
            let anchor_week = monday_of(anchor);
            for date in lo.iter_days().take_while(|d| *d <= until) {
                if let Some(pos) = days.iter().position(|d| *d == date.weekday()) {
                    let weeks = (monday_of(date) - anchor_week).num_days().div_euclid(7);
                    out.push((date, weeks * n + pos as i64));
                }
            }
        }
        Schedule::Monthly(days) => {
            for (year, month) in months(lo, until) {
                let period = month_index(year, month) - month_index(anchor.year(), anchor.month());
                push_month_days(&mut out, days, year, month, period, lo, until);
            }
        }
        Schedule::Quarterly { month: m, days } => {
            for (year, month) in months(lo, until) {
                if (month - 1) % 3 + 1 != u32::from(*m) {
                    continue;
                }
                let quarter = |y: i32, mo: u32| i64::from(y) * 4 + i64::from((mo - 1) / 3);
                let period = quarter(year, month) - quarter(anchor.year(), anchor.month());
                push_month_days(&mut out, days, year, month, period, lo, until);
            }
        }
        Schedule::EveryDays(n) => {
            let n = i64::from(*n);
            let behind = (lo - anchor).num_days();
            // First k with anchor + k·n >= lo (k >= 0 because lo >= start).
            let mut k = if behind <= 0 { 0 } else { (behind + n - 1) / n };
            while let Some(date) = u64::try_from(k * n)
                .ok()
                .and_then(|days| anchor.checked_add_days(chrono::Days::new(days)))
            {
                if date > until {
                    break;
                }
                out.push((date, k));
                k += 1;
            }
        }
    }
    out
}

fn push_month_days(
    out: &mut Vec<(NaiveDate, i64)>,
    days: &[MonthDay],
    year: i32,
    month: u32,
    period: i64,
    lo: NaiveDate,
    until: NaiveDate,
) {
    let n = i64::try_from(days.len()).unwrap_or(1);
    let mut taken: Vec<NaiveDate> = Vec::with_capacity(days.len());
    for (pos, spec) in days.iter().enumerate() {
        let Some(date) = spec.resolve(year, month) else {
            continue;
        };
        // "31" and "-1" can land on the same day; one slot per rule and date.
        if date < lo || date > until || taken.contains(&date) {
            continue;
        }
        taken.push(date);
        out.push((date, period * n + pos as i64));
    }
}

fn month_index(year: i32, month: u32) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

/// (year, month) pairs from `lo`'s month to `until`'s month inclusive.
fn months(lo: NaiveDate, until: NaiveDate) -> impl Iterator<Item = (i32, u32)> {
    let (first, last) = (
        month_index(lo.year(), lo.month()),
        month_index(until.year(), until.month()),
    );
    (first..=last).filter_map(|i| {
        let year = i32::try_from(i.div_euclid(12)).ok()?;
        let month = u32::try_from(i.rem_euclid(12) + 1).ok()?;
        Some((year, month))
    })
}

fn monday_of(date: NaiveDate) -> NaiveDate {
    let back = i64::from(date.weekday().num_days_from_monday());
    date.checked_sub_signed(TimeDelta::days(back))
        .unwrap_or(NaiveDate::MIN)
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    (28..=31)
        .rev()
        .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())
}

// ---------------------------------------------------------------------------
// Reconciling stored slots with the rules
// ---------------------------------------------------------------------------

/// A slot as stored, reduced to what reconciliation compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub key: SlotKey,
    pub kind: Kind,
    pub topic: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Content assigned to the slot, if any.
    pub content: Option<i64>,
}

/// What it takes to make the stored slots of a range follow the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Slots the rules make that are not stored yet.
    pub insert: Vec<Slot>,
    /// Stored slots whose rule now gives them another kind, topic, time zone offset or
    /// duration (same rule, same local start): refreshed in place, assignment kept.
    pub update: Vec<(i64, Slot)>,
    /// Stored slots with nothing assigned that the rules no longer make.
    pub delete: Vec<i64>,
    /// Stored slots with content assigned that the rules no longer make: kept, reported.
    pub misfits: Vec<i64>,
}

impl Reconciliation {
    pub fn is_empty(&self) -> bool {
        self.insert.is_empty()
            && self.update.is_empty()
            && self.delete.is_empty()
            && self.misfits.is_empty()
    }
}

/// Compares the slots stored for a range with those the rules generate for it.
///
/// The past is history: stored slots before `today` are never touched, and generated ones
/// before `today` are not added. From `today` on, slots follow the rules: missing ones are
/// added, changed ones refreshed, and ones the rules no longer make (a rule removed or
/// changed, a day skipped) are deleted when nothing is assigned to them, or kept and reported
/// when something is. Running it again on its own result changes nothing.
pub fn reconcile(stored: &[Stored], generated: Vec<Slot>, today: NaiveDate) -> Reconciliation {
    let future = |local: NaiveDateTime| local.date() >= today;
    let wanted: std::collections::HashMap<SlotKey, Slot> = generated
        .into_iter()
        .filter(|s| future(s.local_start))
        .map(|s| (s.key(), s))
        .collect();
    let mut out = Reconciliation::default();
    let mut present = HashSet::new();
    for slot in stored {
        present.insert(&slot.key);
        if !future(slot.key.local_start) {
            continue;
        }
        match wanted.get(&slot.key) {
            Some(want) => {
                if (want.kind, &want.topic, want.start, want.end)
                    != (slot.kind, &slot.topic, slot.start, slot.end)
                {
                    out.update.push((slot.id, want.clone()));
                }
            }
            None if slot.content.is_some() => out.misfits.push(slot.id),
            None => out.delete.push(slot.id),
        }
    }
    out.insert = wanted
        .into_iter()
        .filter(|(key, _)| !present.contains(key))
        .map(|(_, slot)| slot)
        .collect();
    out.insert
        .sort_by(|a, b| (a.start, &a.rule, a.local_start).cmp(&(b.start, &b.rule, b.local_start)));
    out
}

// ---------------------------------------------------------------------------
// Calendar view helper
// ---------------------------------------------------------------------------

/// The month as calendar rows, Monday..Sunday, with `None` for cells outside
/// the month. Empty for an invalid month or one outside chrono's calendar.
pub fn month_grid(year: i32, month: u32) -> Vec<[Option<NaiveDate>; 7]> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, month, 1),
        days_in_month(year, month),
    ) else {
        return Vec::new();
    };
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut rows = Vec::new();
    let mut row = [None; 7];
    for (i, date) in first.iter_days().take(last as usize).enumerate() {
        let cell = (lead + i) % 7;
        row[cell] = Some(date);
        if cell == 6 {
            rows.push(row);
            row = [None; 7];
        }
    }
    if row.iter().any(Option::is_some) {
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        dt(s).and_utc()
    }

    fn parse(toml_text: &str) -> PlanConfig {
        #[derive(Deserialize)]
        struct File {
            plan: PlanConfig,
        }
        toml::from_str::<File>(toml_text).unwrap().plan
    }

    fn rule(name: &str, every: &str, on: &[&str], at: &str) -> RuleConfig {
        RuleConfig {
            name: name.into(),
            every: every.into(),
            on: on.iter().map(|s| s.to_string()).collect(),
            at: at.into(),
            duration: None,
            kind: "article".into(),
            topics: None,
            topic: None,
            month: None,
            start: None,
        }
    }

    fn plan_of(rules: Vec<RuleConfig>) -> PlanConfig {
        PlanConfig { weeks: 8, rules }
    }

    fn gen_plan(plan: &PlanConfig, from: &str, until: &str, tz: Tz) -> Vec<Slot> {
        generate(plan, d(from), d(until), &BTreeSet::new(), tz, &[]).unwrap()
    }

    fn dates(slots: &[Slot]) -> Vec<NaiveDate> {
        slots.iter().map(|s| s.local_start.date()).collect()
    }

    fn config_errors(plan: &PlanConfig) -> Vec<ConfigError> {
        match plan.validate() {
            Err(PlanError::Config(errors)) => errors,
            other => panic!("expected config errors, got {other:?}"),
        }
    }

    const SH: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn example_section_parses_and_validates() {
        let cfg = parse(include_str!("../examples/plan-section.toml"));
        let plan = cfg.validate().unwrap();
        assert_eq!(plan.weeks, 8);
        assert_eq!(plan.rules.len(), 4);
        let slots = plan
            .generate(d("2026-12-01"), d("2027-01-31"), &BTreeSet::new(), SH, &[])
            .unwrap();
        assert!(slots.iter().any(|s| s.kind == Kind::Live));
        assert!(slots.iter().any(|s| s.kind == Kind::Event));
    }

    #[test]
    fn weekly_rule_lands_on_named_weekdays_at_local_time() {
        let plan = plan_of(vec![rule("a", "week", &["Thursday", "TUE"], "20:00")]);
        let slots = gen_plan(&plan, "2026-12-01", "2026-12-10", SH);
        assert_eq!(
            dates(&slots),
            vec![
                d("2026-12-01"),
                d("2026-12-03"),
                d("2026-12-08"),
                d("2026-12-10")
            ]
        );
        // Shanghai is UTC+8 all year.
        assert_eq!(slots[0].start, utc("2026-12-01 12:00"));
        assert_eq!(slots[0].end, utc("2026-12-01 13:00"));
        assert_eq!(slots[0].local_start, dt("2026-12-01 20:00"));
    }

    #[test]
    fn last_day_of_month_follows_month_lengths() {
        let plan = plan_of(vec![rule("end", "month", &["-1"], "20:00")]);
        let slots = gen_plan(&plan, "2026-12-01", "2027-04-30", SH);
        assert_eq!(
            dates(&slots),
            [
                "2026-12-31",
                "2027-01-31",
                "2027-02-28",
                "2027-03-31",
                "2027-04-30"
            ]
            .map(d)
            .to_vec()
        );
    }

    #[test]
    fn february_29_exists_in_2028_only() {
        let plan = plan_of(vec![
            rule("last", "month", &["last"], "09:00"),
            rule("d29", "month", &["29"], "10:00"),
        ]);
        let slots = gen_plan(&plan, "2027-02-01", "2027-02-28", SH);
        assert_eq!(dates(&slots), vec![d("2027-02-28"), d("2027-02-28")]);
        let slots = gen_plan(&plan, "2028-02-01", "2028-02-29", SH);
        assert_eq!(dates(&slots), vec![d("2028-02-29"), d("2028-02-29")]);

        let mut daily = rule("daily", "day", &[], "08:00");
        daily.start = Some("2028-02-27".into());
        let slots = gen_plan(&plan_of(vec![daily]), "2028-02-27", "2028-03-01", SH);
        assert_eq!(
            dates(&slots),
            ["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"]
                .map(d)
                .to_vec()
        );
    }

    #[test]
    fn day_31_means_last_day_in_short_months() {
        let plan = plan_of(vec![rule("d31", "month", &["31"], "20:00")]);
        let slots = gen_plan(&plan, "2027-01-01", "2027-05-31", SH);
        assert_eq!(
            dates(&slots),
            [
                "2027-01-31",
                "2027-02-28",
                "2027-03-31",
                "2027-04-30",
                "2027-05-31"
            ]
            .map(d)
            .to_vec()
        );
    }

    #[test]
    fn day_31_and_last_day_on_the_same_date_give_one_slot() {
        let plan = plan_of(vec![rule("x", "month", &["31", "-1"], "20:00")]);
        let slots = gen_plan(&plan, "2027-04-01", "2027-04-30", SH);
        assert_eq!(dates(&slots), vec![d("2027-04-30")]);
    }

    #[test]
    fn ordinal_weekdays_resolve_per_month() {
        let plan = plan_of(vec![
            rule("lastfri", "month", &["last fri"], "20:00"),
            rule("firstsat", "month", &["first sat"], "20:00"),
            rule("fourthmon", "month", &["4th monday"], "20:00"),
        ]);
        let slots = gen_plan(&plan, "2026-12-01", "2027-02-28", SH);
        let of = |name: &str| {
            slots
                .iter()
                .filter(|s| s.rule == name)
                .map(|s| s.local_start.date())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of("lastfri"),
            ["2026-12-25", "2027-01-29", "2027-02-26"].map(d)
        );
        assert_eq!(
            of("firstsat"),
            ["2026-12-05", "2027-01-02", "2027-02-06"].map(d)
        );
        assert_eq!(
            of("fourthmon"),
            ["2026-12-28", "2027-01-25", "2027-02-22"].map(d)
        );
    }

    #[test]
    fn quarterly_rule_uses_chosen_month_of_each_quarter() {
        let mut r = rule("q", "quarter", &["15"], "14:00");
        let slots = gen_plan(&plan_of(vec![r.clone()]), "2027-01-01", "2027-12-31", SH);
        assert_eq!(
            dates(&slots),
            ["2027-01-15", "2027-04-15", "2027-07-15", "2027-10-15"]
                .map(d)
                .to_vec()
        );
        r.month = Some(2);
        let slots = gen_plan(&plan_of(vec![r]), "2027-01-01", "2027-12-31", SH);
        assert_eq!(
            dates(&slots),
            ["2027-02-15", "2027-05-15", "2027-08-15", "2027-11-15"]
                .map(d)
                .to_vec()
        );
    }

    #[test]
    fn every_n_days_counts_from_start_and_never_before_it() {
        let mut r = rule("fortnight", "14d", &[], "12:30");
        r.start = Some("2026-12-02".into());
        let slots = gen_plan(&plan_of(vec![r]), "2026-11-01", "2027-01-31", SH);
        assert_eq!(
            dates(&slots),
            [
                "2026-12-02",
                "2026-12-16",
                "2026-12-30",
                "2027-01-13",
                "2027-01-27"
            ]
            .map(d)
            .to_vec()
        );
    }

    #[test]
    fn start_date_suppresses_earlier_slots_of_any_cadence() {
        let mut r = rule("w", "week", &["mon"], "20:00");
        r.start = Some("2026-12-10".into());
        let slots = gen_plan(&plan_of(vec![r]), "2026-12-01", "2026-12-31", SH);
        assert_eq!(
            dates(&slots),
            ["2026-12-14", "2026-12-21", "2026-12-28"].map(d).to_vec()
        );
    }

    #[test]
    fn dst_change_moves_the_utc_instant_of_a_fixed_local_time() {
        let berlin = chrono_tz::Europe::Berlin;
        let plan = plan_of(vec![rule("sun", "week", &["sun"], "20:00")]);
        let slots = gen_plan(&plan, "2027-03-21", "2027-03-28", berlin);
        // 20:00 CET (+1) before the change, 20:00 CEST (+2) after it.
        assert_eq!(slots[0].start, utc("2027-03-21 19:00"));
        assert_eq!(slots[1].start, utc("2027-03-28 18:00"));
        assert_eq!(slots[1].local_start, dt("2027-03-28 20:00"));
    }

    #[test]
    fn nonexistent_local_time_uses_the_offset_before_the_gap() {
        let berlin = chrono_tz::Europe::Berlin;
        let mut r = rule("night", "week", &["sun"], "02:30");
        r.duration = Some("1h".into());
        let slots = gen_plan(&plan_of(vec![r]), "2027-03-28", "2027-03-28", berlin);
        assert_eq!(slots.len(), 1);
        let slot = &slots[0];
        // 02:30 does not exist that day; read as 02:30 CET = 01:30 UTC = 03:30 CEST.
        assert_eq!(slot.local_start, dt("2027-03-28 02:30"));
        assert_eq!(slot.start, utc("2027-03-28 01:30"));
        assert_eq!(
            slot.start.with_timezone(&berlin).naive_local(),
            dt("2027-03-28 03:30")
        );
        assert_eq!(slot.end, utc("2027-03-28 02:30"));
    }

    #[test]
    fn repeated_local_time_takes_its_first_occurrence() {
        let berlin = chrono_tz::Europe::Berlin;
        let plan = plan_of(vec![rule("night", "week", &["sun"], "02:30")]);
        let slots = gen_plan(&plan, "2027-10-31", "2027-10-31", berlin);
        // 02:30 happens twice; the first is still summer time (+2).
        assert_eq!(slots[0].start, utc("2027-10-31 00:30"));
    }

    #[test]
    fn a_whole_skipped_day_still_gets_a_slot() {
        // Samoa jumped from 29 to 31 December 2011.
        let apia = chrono_tz::Pacific::Apia;
        let mut r = rule("daily", "day", &[], "20:00");
        r.start = Some("2011-12-28".into());
        let slots = gen_plan(&plan_of(vec![r]), "2011-12-28", "2012-01-01", apia);
        assert_eq!(slots.len(), 5);
        // 30 December 20:00 read at -10 is the same instant as 31 December
        // 20:00 at +14; both slots stay, with distinct keys.
        assert_eq!(slots[2].local_start, dt("2011-12-30 20:00"));
        assert_eq!(slots[2].start, utc("2011-12-31 06:00"));
        assert_eq!(slots[3].start, slots[2].start);
        assert_ne!(slots[3].key(), slots[2].key());
    }

    #[test]
    fn skipped_dates_produce_no_slot_and_keep_later_topics() {
        let mut r = rule("a", "week", &["tue", "thu"], "20:00");
        r.topics = Some(vec!["x".into(), "y".into(), "z".into()]);
        let plan = plan_of(vec![r]);
        let all = gen_plan(&plan, "2026-12-01", "2026-12-31", SH);
        let skipped: BTreeSet<_> = [d("2026-12-24"), d("2026-12-25")].into();
        let some = generate(&plan, d("2026-12-01"), d("2026-12-31"), &skipped, SH, &[]).unwrap();
        assert!(some.iter().all(|s| s.local_start.date() != d("2026-12-24")));
        let expected: Vec<_> = all
            .iter()
            .filter(|s| s.local_start.date() != d("2026-12-24"))
            .cloned()
            .collect();
        assert_eq!(some, expected);
    }

    #[test]
    fn topics_rotate_one_per_slot() {
        let mut r = rule("a", "week", &["tue", "thu"], "20:00");
        r.topics = Some(vec!["x".into(), "y".into(), "z".into()]);
        let slots = gen_plan(&plan_of(vec![r]), "2026-12-01", "2026-12-17", SH);
        let topics: Vec<_> = slots.iter().map(|s| s.topic.clone().unwrap()).collect();
        let first = ["x", "y", "z"]
            .iter()
            .position(|t| *t == topics[0])
            .unwrap();
        for (i, t) in topics.iter().enumerate() {
            assert_eq!(t, ["x", "y", "z"][(first + i) % 3]);
        }
    }

    #[test]
    fn topics_fall_back_to_interests_then_none() {
        let plan = plan_of(vec![rule("a", "week", &["tue"], "20:00")]);
        let interests = vec!["AI".to_string(), "  ".to_string(), "写作".to_string()];
        let slots = generate(
            &plan,
            d("2026-12-01"),
            d("2026-12-31"),
            &BTreeSet::new(),
            SH,
            &interests,
        )
        .unwrap();
        assert!(
            slots
                .iter()
                .all(|s| matches!(s.topic.as_deref(), Some("AI" | "写作")))
        );
        assert_ne!(slots[0].topic, slots[1].topic);
        let none = gen_plan(&plan, "2026-12-01", "2026-12-31", SH);
        assert!(none.iter().all(|s| s.topic.is_none()));

        let mut fixed = rule("f", "week", &["tue"], "20:00");
        fixed.topic = Some(" 每周答疑 ".into());
        let slots = gen_plan(&plan_of(vec![fixed]), "2026-12-01", "2026-12-31", SH);
        assert!(slots.iter().all(|s| s.topic.as_deref() == Some("每周答疑")));
    }

    #[test]
    fn generating_twice_gives_identical_slots() {
        let cfg = parse(include_str!("../examples/plan-section.toml"));
        let interests = vec!["AI".to_string(), "写作".to_string()];
        let run = || {
            generate(
                &cfg,
                d("2026-12-01"),
                d("2027-06-30"),
                &BTreeSet::new(),
                SH,
                &interests,
            )
            .unwrap()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn december_then_january_equals_both_at_once_including_topics() {
        let cfg = parse(include_str!("../examples/plan-section.toml"));
        let interests = vec!["AI".to_string(), "写作".to_string(), "投资".to_string()];
        let g = |from: &str, until: &str| {
            generate(&cfg, d(from), d(until), &BTreeSet::new(), SH, &interests).unwrap()
        };
        let mut split = g("2026-12-01", "2026-12-31");
        split.extend(g("2027-01-01", "2027-01-31"));
        assert_eq!(split, g("2026-12-01", "2027-01-31"));
    }

    #[test]
    fn slots_are_sorted_by_start_then_rule() {
        let plan = plan_of(vec![
            rule("b", "week", &["tue"], "20:00"),
            rule("a", "week", &["tue"], "20:00"),
            rule("c", "week", &["tue"], "08:00"),
        ]);
        let slots = gen_plan(&plan, "2026-12-01", "2026-12-01", SH);
        let names: Vec<_> = slots.iter().map(|s| s.rule.as_str()).collect();
        assert_eq!(names, ["c", "a", "b"]);
    }

    #[test]
    fn slot_key_round_trips_through_text() {
        let plan = plan_of(vec![rule("周更文章", "week", &["tue"], "20:00")]);
        let slot = &gen_plan(&plan, "2026-12-01", "2026-12-01", SH)[0];
        let key = slot.key();
        assert_eq!(key.to_string(), "周更文章@2026-12-01T20:00");
        assert_eq!(key.to_string().parse::<SlotKey>().unwrap(), key);
        assert!("no-time".parse::<SlotKey>().is_err());
        assert!("@2026-12-01T20:00".parse::<SlotKey>().is_err());
    }

    #[test]
    fn reversed_and_overlong_ranges_are_refused() {
        let plan = plan_of(vec![]);
        let e = generate(
            &plan,
            d("2027-01-02"),
            d("2027-01-01"),
            &BTreeSet::new(),
            SH,
            &[],
        );
        assert!(matches!(e, Err(PlanError::RangeReversed { .. })));
        let e = generate(
            &plan,
            d("2027-01-01"),
            d("2032-01-02"),
            &BTreeSet::new(),
            SH,
            &[],
        );
        assert!(matches!(e, Err(PlanError::RangeTooLong { .. })));
        let ok = generate(
            &plan,
            d("2027-01-01"),
            d("2032-01-01"),
            &BTreeSet::new(),
            SH,
            &[],
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn ranges_at_the_edge_of_the_calendar_do_not_panic() {
        let mut daily = rule("d", "1d", &[], "23:59");
        daily.start = Some("2026-01-01".into());
        daily.duration = Some("24h".into());
        let plan = plan_of(vec![
            rule("w", "week", &["mon", "sun"], "00:00"),
            rule("m", "month", &["31", "last sun", "-28"], "23:59"),
            rule("q", "quarter", &["first mon"], "12:00"),
            daily,
        ]);
        for (from, until) in [
            (NaiveDate::MAX - TimeDelta::days(40), NaiveDate::MAX),
            (NaiveDate::MIN, NaiveDate::MIN + TimeDelta::days(40)),
        ] {
            for tz in [SH, chrono_tz::America::New_York, chrono_tz::UTC] {
                let _ = generate(&plan, from, until, &BTreeSet::new(), tz, &[]);
            }
        }
    }

    #[test]
    fn month_grid_has_monday_first_rows() {
        let grid = month_grid(2026, 12);
        assert_eq!(grid.len(), 5);
        // 1 December 2026 is a Tuesday.
        assert_eq!(grid[0][0], None);
        assert_eq!(grid[0][1], Some(d("2026-12-01")));
        assert_eq!(grid[4][3], Some(d("2026-12-31")));
        assert_eq!(grid[4][4], None);
        // February 2027 starts on a Monday and fills exactly four rows.
        let feb = month_grid(2027, 2);
        assert_eq!(feb.len(), 4);
        assert!(feb.iter().all(|row| row.iter().all(Option::is_some)));
        assert_eq!(month_grid(2028, 2).iter().flatten().flatten().count(), 29);
        assert!(month_grid(2027, 13).is_empty());
        assert!(month_grid(2027, 0).is_empty());
        assert!(month_grid(i32::MAX, 1).is_empty());
    }

    #[test]
    fn until_for_weeks_is_inclusive() {
        assert_eq!(until_for_weeks(d("2026-12-01"), 8), Some(d("2027-01-25")));
        assert_eq!(until_for_weeks(d("2026-12-01"), 0), Some(d("2026-11-30")));
        assert_eq!(until_for_weeks(NaiveDate::MAX, 1), None);
    }

    // --- config errors -----------------------------------------------------

    #[test]
    fn bad_time_names_rule_key_and_value() {
        let errors = config_errors(&plan_of(vec![rule(
            "weekly-article",
            "week",
            &["tue"],
            "25:00",
        )]));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key, "at");
        let msg = errors[0].to_string();
        assert!(msg.contains("weekly-article"), "{msg}");
        assert!(msg.contains("`at`"), "{msg}");
        assert!(msg.contains("25:00"), "{msg}");
    }

    #[test]
    fn every_bad_key_is_reported_at_once() {
        let mut r = rule("x", "fortnightly", &["tue"], "8pm");
        r.duration = Some("25h".into());
        r.kind = "podcast".into();
        r.start = Some("2026-13-01".into());
        let keys: Vec<_> = config_errors(&plan_of(vec![r]))
            .iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["every", "at", "duration", "kind", "start"]);
    }

    #[test]
    fn weekday_and_month_day_errors_name_on() {
        let errors = config_errors(&plan_of(vec![
            rule("w", "week", &["tue", "funday"], "20:00"),
            rule("m", "month", &["fifth sat"], "20:00"),
            rule("e", "month", &[], "20:00"),
            rule("dup", "week", &["tue", "Tuesday"], "20:00"),
        ]));
        assert!(errors.iter().all(|e| e.key == "on"), "{errors:?}");
        assert!(errors[0].to_string().contains("funday"));
        assert!(errors[1].to_string().contains("fifth sat"));
        assert!(errors[2].to_string().contains("required"));
        assert!(errors[3].to_string().contains("twice"));
    }

    #[test]
    fn duplicate_and_unusable_names_are_refused() {
        let errors = config_errors(&plan_of(vec![
            rule("a", "week", &["tue"], "20:00"),
            rule("a", "week", &["wed"], "20:00"),
            rule("", "week", &["wed"], "20:00"),
            rule("x@y", "week", &["wed"], "20:00"),
        ]));
        assert_eq!(errors.len(), 3);
        assert!(errors.iter().all(|e| e.key == "name"));
        assert!(errors[0].to_string().contains("unique"));
        assert_eq!(errors[1].rule.as_deref(), Some("rule #3"));
    }

    #[test]
    fn cadence_specific_keys_are_checked() {
        let mut no_start = rule("n", "14 days", &[], "20:00");
        no_start.month = Some(2);
        let mut on_days = rule("o", "3d", &["mon"], "20:00");
        on_days.start = Some("2026-12-01".into());
        let mut bad_month = rule("q", "quarter", &["1"], "20:00");
        bad_month.month = Some(4);
        let mut both = rule("t", "week", &["mon"], "20:00");
        both.topic = Some("a".into());
        both.topics = Some(vec!["b".into()]);
        let mut empty = rule("e", "week", &["mon"], "20:00");
        empty.topics = Some(vec![]);
        let errors = config_errors(&plan_of(vec![no_start, on_days, bad_month, both, empty]));
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.rule.clone().unwrap(), e.key))
            .collect();
        assert_eq!(
            got,
            [
                ("\"n\"".to_string(), "month"),
                ("\"n\"".to_string(), "start"),
                ("\"o\"".to_string(), "on"),
                ("\"q\"".to_string(), "month"),
                ("\"t\"".to_string(), "topic"),
                ("\"e\"".to_string(), "topics"),
            ]
        );
    }

    #[test]
    fn weeks_out_of_range_names_the_plan_key() {
        let errors = config_errors(&PlanConfig {
            weeks: 0,
            rules: vec![],
        });
        assert_eq!(errors[0].key, "weeks");
        assert!(errors[0].to_string().starts_with("[plan]: `weeks`"));
    }

    #[test]
    fn unknown_toml_keys_are_rejected_by_name() {
        #[derive(Debug, Deserialize)]
        struct File {
            #[allow(dead_code)]
            plan: PlanConfig,
        }
        let text = "[plan]\n[[plan.rule]]\nname = \"a\"\nevery = \"week\"\non = [\"tue\"]\nat = \"20:00\"\nkind = \"article\"\ntime = \"20:00\"\n";
        let err = toml::from_str::<File>(text).unwrap_err().to_string();
        assert!(err.contains("time"), "{err}");
        let err = toml::from_str::<File>("[plan]\nweek = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("week"), "{err}");
    }

    #[test]
    fn on_accepts_a_single_string() {
        let cfg = parse(
            "[plan]\n[[plan.rule]]\nname = \"live\"\nevery = \"month\"\non = \"first sat\"\nat = \"20:00\"\nkind = \"live\"\n",
        );
        assert_eq!(cfg.rules[0].on, ["first sat"]);
        assert!(cfg.validate().is_ok());
        assert_eq!(parse("[plan]\n"), PlanConfig::default());
    }

    // --- values ------------------------------------------------------------

    #[test]
    fn value_parsers_accept_documented_forms() {
        assert_eq!("Q&A".parse::<Kind>().unwrap(), Kind::Qa);
        assert_eq!("Video".parse::<Kind>().unwrap().to_string(), "video");
        assert_eq!("8:05".parse::<TimeOfDay>().unwrap().to_string(), "08:05");
        assert!("24:00".parse::<TimeOfDay>().is_err());
        assert!("20:0".parse::<TimeOfDay>().is_err());
        assert_eq!("90m".parse::<SlotDuration>().unwrap().to_string(), "1h30m");
        assert_eq!("1H 30M".parse::<SlotDuration>().unwrap().minutes(), 90);
        assert_eq!("24h".parse::<SlotDuration>().unwrap().minutes(), 1440);
        for bad in ["", "0m", "24h1m", "h", "1h30", "m", "1.5h", "-5m"] {
            assert!(bad.parse::<SlotDuration>().is_err(), "{bad}");
        }
        assert_eq!("14d".parse::<Every>().unwrap(), Every::Days(14));
        assert_eq!("14 Days".parse::<Every>().unwrap(), Every::Days(14));
        assert_eq!("Weekly".parse::<Every>().unwrap(), Every::Week);
        for bad in ["0d", "367 days", "d", "days", "fortnight"] {
            assert!(bad.parse::<Every>().is_err(), "{bad}");
        }
        assert_eq!("-1".parse::<MonthDay>().unwrap(), MonthDay::FromEnd(1));
        assert_eq!(
            "Last Friday".parse::<MonthDay>().unwrap().to_string(),
            "last fri"
        );
        for bad in ["0", "32", "-29", "fifth sat", "first", "first sat extra"] {
            assert!(bad.parse::<MonthDay>().is_err(), "{bad}");
        }
    }

    fn month_day() -> impl Strategy<Value = MonthDay> {
        let wd = (0u8..7).prop_map(|i| Weekday::try_from(i).unwrap());
        let ord = prop_oneof![
            Just(Ordinal::First),
            Just(Ordinal::Second),
            Just(Ordinal::Third),
            Just(Ordinal::Fourth),
            Just(Ordinal::Last)
        ];
        prop_oneof![
            (1u8..=31).prop_map(MonthDay::Day),
            (1u8..=28).prop_map(MonthDay::FromEnd),
            (ord, wd).prop_map(|(o, w)| MonthDay::Nth(o, w)),
        ]
    }

    proptest! {
        #[test]
        fn display_round_trips_through_from_str(
            md in month_day(),
            mins in 1u16..=1440,
            h in 0u32..24,
            m in 0u32..60,
            n in 1u16..=366,
        ) {
            prop_assert_eq!(md.to_string().parse::<MonthDay>().unwrap(), md);
            let dur = SlotDuration(mins);
            prop_assert_eq!(dur.to_string().parse::<SlotDuration>().unwrap(), dur);
            let t = TimeOfDay(NaiveTime::from_hms_opt(h, m, 0).unwrap());
            prop_assert_eq!(t.to_string().parse::<TimeOfDay>().unwrap(), t);
            let e = Every::Days(n);
            prop_assert_eq!(e.to_string().parse::<Every>().unwrap(), e);
        }

        #[test]
        fn parsers_never_panic_on_arbitrary_text(s in "\\PC{0,12}") {
            let _ = s.parse::<Kind>();
            let _ = s.parse::<WeekdayName>();
            let _ = s.parse::<MonthDay>();
            let _ = s.parse::<TimeOfDay>();
            let _ = s.parse::<SlotDuration>();
            let _ = s.parse::<Every>();
            let _ = s.parse::<SlotKey>();
        }
    }

    // --- generation properties ---------------------------------------------

    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const ZONES: [Tz; 6] = [
        chrono_tz::Asia::Shanghai,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Apia,
        chrono_tz::UTC,
    ];

    fn on_month() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(month_day(), 1..4).prop_map(|v| {
            let mut out: Vec<MonthDay> = Vec::new();
            for md in v {
                if !out.contains(&md) {
                    out.push(md);
                }
            }
            out.iter().map(ToString::to_string).collect::<Vec<_>>()
        })
    }

    fn any_rule(i: usize) -> impl Strategy<Value = RuleConfig> {
        let on_week = proptest::sample::subsequence(WEEKDAYS.to_vec(), 1..=7)
            .prop_map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
        let schedule = prop_oneof![
            on_week.prop_map(|on| ("week".to_string(), on, None)),
            on_month().prop_map(|on| ("month".to_string(), on, None)),
            (on_month(), 1i64..=3).prop_map(|(on, m)| ("quarter".to_string(), on, Some(m))),
            (1u16..=40).prop_map(|n| (format!("{n}d"), vec![], None)),
        ];
        (
            schedule,
            0u32..24,
            0u32..60,
            1u16..=1440,
            proptest::option::of(0i64..3000),
            proptest::option::of(proptest::collection::vec("[a-z]{1,3}", 1..4)),
        )
            .prop_map(move |((every, on, month), h, m, dur, start, topics)| {
                let start = start.map(|days| (d("2020-01-01") + TimeDelta::days(days)).to_string());
                let start = if every.ends_with('d') {
                    start.or_else(|| Some("2024-06-01".to_string()))
                } else {
                    start
                };
                RuleConfig {
                    name: format!("r{i}"),
                    every,
                    on,
                    at: format!("{h:02}:{m:02}"),
                    duration: Some(SlotDuration(dur).to_string()),
                    kind: Kind::ALL[i % 6].to_string(),
                    topics,
                    topic: None,
                    month,
                    start,
                }
            })
    }

    fn any_plan() -> impl Strategy<Value = PlanConfig> {
        (any_rule(0), any_rule(1), any_rule(2), 1usize..=3)
            .prop_map(|(a, b, c, n)| plan_of(vec![a, b, c].into_iter().take(n).collect()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn generated_slots_respect_range_skips_and_keys(
            plan in any_plan(),
            from_offset in 0i64..(365 * 12),
            span in 0i64..400,
            cut in 0i64..400,
            skip_offsets in proptest::collection::vec(0i64..400, 0..10),
            zone in 0usize..ZONES.len(),
        ) {
            let tz = ZONES[zone];
            let from = d("2018-01-01") + TimeDelta::days(from_offset);
            let until = from + TimeDelta::days(span);
            let skipped: BTreeSet<_> = skip_offsets.iter().map(|o| from + TimeDelta::days(*o)).collect();
            let interests = vec!["AI".to_string(), "写作".to_string()];
            let slots = generate(&plan, from, until, &skipped, tz, &interests).unwrap();

            let mut keys = HashSet::new();
            for s in &slots {
                let date = s.local_start.date();
                prop_assert!(from <= date && date <= until);
                prop_assert!(!skipped.contains(&date));
                prop_assert!(keys.insert(s.key()), "duplicate key {}", s.key());
                let rule = plan.rules.iter().find(|r| r.name == s.rule).unwrap();
                if let Some(start) = &rule.start {
                    prop_assert!(date >= d(start));
                }
                let dur: SlotDuration = rule.duration.as_deref().unwrap().parse().unwrap();
                prop_assert_eq!(s.end - s.start, dur.as_delta());
                if let Some(local) = tz.from_local_datetime(&s.local_start).earliest() {
                    prop_assert_eq!(local.with_timezone(&Utc), s.start);
                }
            }
            prop_assert!(slots.windows(2).all(|w| (w[0].start, &w[0].rule) <= (w[1].start, &w[1].rule)));

            // Range independence: two adjacent pieces equal the whole.
            let mid = from + TimeDelta::days(cut.min(span));
            let mut pieces = generate(&plan, from, mid, &skipped, tz, &interests).unwrap();
            if mid < until {
                pieces.extend(generate(&plan, mid + TimeDelta::days(1), until, &skipped, tz, &interests).unwrap());
            }
            pieces.sort_by(|a, b| (a.start, &a.rule, a.local_start).cmp(&(b.start, &b.rule, b.local_start)));
            prop_assert_eq!(&pieces, &slots);

            // Idempotent: generating again gives the same slots, and storing what one
            // reconciliation inserts leaves the next with nothing to do.
            let again = generate(&plan, from, until, &skipped, tz, &interests).unwrap();
            prop_assert_eq!(&again, &slots);
            let first = reconcile(&[], slots.clone(), from);
            prop_assert_eq!(first.insert.len(), slots.len());
            prop_assert!(first.update.is_empty() && first.delete.is_empty());
            let stored: Vec<Stored> = first
                .insert
                .iter()
                .enumerate()
                .map(|(i, s)| Stored {
                    id: i as i64 + 1,
                    key: s.key(),
                    kind: s.kind,
                    topic: s.topic.clone(),
                    start: s.start,
                    end: s.end,
                    content: None,
                })
                .collect();
            let second = reconcile(&stored, again, from);
            prop_assert!(second.is_empty(), "a second run would change {:?}", second);
        }
    }
}
