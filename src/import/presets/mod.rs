//! Platform presets: which columns of a Ghost, Patreon, Substack, Mailchimp or 知识星球 export
//! mean what, how their statuses become ours, and how each is recognised from its header.
//!
//! One small file per platform; the column sets come from real exports (see
//! tests/fixtures/import/PRESETS.md for the sources).

mod community;
mod generic;
mod ghost;
mod mailchimp;
mod patreon;
mod substack;
mod zsxq;

use super::fields::{Field, normalize};
use super::{Draft, RowContext, RowError, Verdict};

/// How one platform's export is read.
pub struct Preset {
    /// The name `--preset` takes.
    pub name: &'static str,
    /// The `source` given to members from this platform.
    pub source: Option<&'static str>,
    /// Normalised headers that must all be present for detection (empty: never detected).
    pub requires: &'static [&'static str],
    /// ...and at least one of these, when non-empty.
    pub requires_one_of: &'static [&'static str],
    /// Platform columns, matched before the generic aliases.
    pub columns: &'static [(&'static str, Field)],
    /// Timestamps without an offset are UTC (platforms) rather than the community's time.
    pub naive_is_utc: bool,
    /// Undo the `'` a platform puts before `= + - @` to defuse spreadsheet formulas.
    pub unescape_formulas: bool,
    /// Derives status and the rest from platform columns.
    pub finish: fn(&mut Draft, &RowContext<'_>) -> Result<Verdict, RowError>,
}

/// Every preset, most specific first; `generic` matches anything.
pub const ALL: [&Preset; 7] = [
    &community::PRESET,
    &ghost::PRESET,
    &patreon::PRESET,
    &substack::PRESET,
    &mailchimp::PRESET,
    &zsxq::PRESET,
    &generic::PRESET,
];

/// The preset a header looks like.
pub fn detect(headers: &[String]) -> &'static Preset {
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let has = |name: &&str| normalized.iter().any(|h| h == name);
    ALL.into_iter()
        .find(|p| {
            !p.requires.is_empty()
                && p.requires.iter().all(has)
                && (p.requires_one_of.is_empty() || p.requires_one_of.iter().any(has))
        })
        .unwrap_or(&generic::PRESET)
}

/// The preset `--preset NAME` names.
pub fn by_name(name: &str) -> Option<&'static Preset> {
    ALL.into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|p| p.name).collect()
}

/// A finish step for presets whose columns say everything themselves.
fn keep(_: &mut Draft, _: &RowContext<'_>) -> Result<Verdict, RowError> {
    Ok(Verdict::Keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::reader::Rows;
    use crate::import::{Mapped, Mapper};
    use chrono::NaiveDate;

    fn fixture(name: &str) -> String {
        format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    /// Maps every row of a fixture with the preset its header says.
    pub fn map_fixture(name: &str) -> (&'static str, Vec<Result<Mapped, RowError>>) {
        let mut rows = Rows::open(&fixture(name), None, None).unwrap();
        let preset = detect(rows.headers());
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mapper = Mapper::new(
            preset,
            rows.headers(),
            &[],
            chrono_tz::Asia::Shanghai,
            today,
        )
        .unwrap();
        let mut out = Vec::new();
        while let Some(row) = rows.next_row().unwrap() {
            out.push(mapper.map(&row.unwrap()));
        }
        (preset.name, out)
    }

    pub fn drafts(results: &[Result<Mapped, RowError>]) -> Vec<&Draft> {
        results
            .iter()
            .filter_map(|r| match r {
                Ok(Mapped::Member(d)) => Some(d),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_platform_is_recognised_from_its_header() {
        for (file, preset) in [
            ("ghost.csv", "ghost"),
            ("patreon.csv", "patreon"),
            ("substack.csv", "substack"),
            ("substack-legacy-subscribers.csv", "substack"),
            ("mailchimp.csv", "mailchimp"),
            ("mailchimp-unsubscribed.csv", "mailchimp"),
            ("mailchimp-cleaned.csv", "mailchimp"),
            ("zsxq.csv", "zsxq"),
            ("spreadsheet-zh.csv", "generic"),
            ("bom.csv", "generic"),
        ] {
            let rows = Rows::open(&fixture(file), None, None).unwrap();
            assert_eq!(detect(rows.headers()).name, preset, "{file}");
        }
    }

    #[test]
    fn presets_are_found_by_name() {
        assert_eq!(by_name("Patreon").unwrap().name, "patreon");
        assert!(by_name("myspace").is_none());
        assert!(names().contains(&"zsxq"));
    }

    #[test]
    fn the_keep_finish_changes_nothing() {
        let mut draft = Draft::default();
        let context = RowContext {
            line: 1,
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            clock: crate::import::values::Clock {
                tz: chrono_tz::UTC,
                naive_is_utc: true,
            },
            extras: Default::default(),
        };
        assert_eq!(keep(&mut draft, &context), Ok(Verdict::Keep));
        assert_eq!(draft, Draft::default());
    }
}
