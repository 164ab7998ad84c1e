//! The content calendar drawn for a terminal: weeks as rows, Monday to Sunday as columns, each
//! day with its slots, filled and open ones told apart, fitted to the terminal's width.
//!
//! Formatting only: takes plain values, returns text. Knows nothing of SQL or of where the
//! slots came from; csv and json get rows from the ordinary renderer instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use comfy_table::{Cell, ColumnConstraint, ContentArrangement, Table, Width};

use crate::sanitize::sanitize;

/// Width used when the output is not a terminal (a table asked for with `--format table`).
pub const DEFAULT_WIDTH: u16 = 100;

/// Narrowest grid drawn; below it columns would hold less than a time of day.
const MIN_WIDTH: u16 = 50;

/// Marks a slot with content assigned, and an open one.
pub const FILLED: &str = "[x]";
pub const OPEN: &str = "[ ]";

/// One slot as the grid shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    /// Local start, `HH:MM`.
    pub time: String,
    pub kind: String,
    /// The assigned content's title, else the slot's topic (may be empty).
    pub label: String,
    pub filled: bool,
}

/// What one day holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Day {
    pub entries: Vec<Entry>,
    /// Set when the day is skipped: its reason, possibly empty.
    pub skipped: Option<String>,
}

/// A titled block of weeks; `None` cells are outside the month or the range.
pub struct Block {
    pub title: String,
    pub weeks: Vec<[Option<NaiveDate>; 7]>,
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Draws each block as a grid no wider than `width` (clamped to at least 50 columns), with a
/// legend at the end.
pub fn render(
    blocks: &[Block],
    days: &BTreeMap<NaiveDate, Day>,
    today: NaiveDate,
    width: u16,
) -> String {
    let width = width.max(MIN_WIDTH);
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", block.title);
        let _ = writeln!(out, "{}", grid(&block.weeks, days, today, width));
    }
    let (filled, open) = days
        .values()
        .flat_map(|d| &d.entries)
        .fold(
            (0, 0),
            |(f, o), e| if e.filled { (f + 1, o) } else { (f, o + 1) },
        );
    let _ = writeln!(
        out,
        "{FILLED} filled ({filled})   {OPEN} open ({open}): `community plan assign SLOT CONTENT`   #N is the slot id"
    );
    out
}

fn grid(
    weeks: &[[Option<NaiveDate>; 7]],
    days: &BTreeMap<NaiveDate, Day>,
    today: NaiveDate,
    width: u16,
) -> Table {
    let mut table = Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(WEEKDAYS.iter().map(|d| Cell::new(*d)));
    // Seven equal columns: one border per column plus the last, one space of padding each side.
    let column = (width.saturating_sub(8) / 7).saturating_sub(2).max(4);
    let constraint = ColumnConstraint::Absolute(Width::Fixed(column + 2));
    for c in table.column_iter_mut() {
        c.set_constraint(constraint);
    }
    for week in weeks {
        table.add_row(week.iter().map(|date| match date {
            None => Cell::new(""),
            Some(date) => Cell::new(cell_text(*date, days.get(date), today)),
        }));
    }
    table
}

fn cell_text(date: NaiveDate, day: Option<&Day>, today: NaiveDate) -> String {
    let mut text = if date.day() == 1 {
        date.format("%m-%d").to_string()
    } else {
        date.day().to_string()
    };
    if date == today {
        text.push_str(" today");
    }
    let Some(day) = day else {
        return text;
    };
    if let Some(reason) = &day.skipped {
        text.push_str("\nskipped");
        if !reason.is_empty() {
            let _ = write!(text, ": {}", sanitize(reason));
        }
    }
    for e in &day.entries {
        let mark = if e.filled { FILLED } else { OPEN };
        let _ = write!(text, "\n{mark} {}\n#{} {}", e.time, e.id, e.kind);
        if !e.label.is_empty() {
            // One line per entry keeps the grid calm; the table wraps long titles.
            let label = sanitize(&e.label).replace(['\n', '\r'], " ");
            let _ = write!(text, " {label}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn december() -> (Vec<Block>, BTreeMap<NaiveDate, Day>) {
        let blocks = vec![Block {
            title: "December 2026".into(),
            weeks: crate::plan::month_grid(2026, 12),
        }];
        let mut days = BTreeMap::new();
        days.insert(
            d("2026-12-03"),
            Day {
                entries: vec![
                    Entry {
                        id: 2,
                        time: "20:00".into(),
                        kind: "article".into(),
                        label: "所有权与借用详解：一篇很长很长的标题，足以折行".into(),
                        filled: true,
                    },
                    Entry {
                        id: 3,
                        time: "21:00".into(),
                        kind: "qa".into(),
                        label: "每周答疑".into(),
                        filled: false,
                    },
                ],
                skipped: None,
            },
        );
        days.insert(
            d("2026-12-25"),
            Day {
                entries: vec![],
                skipped: Some("圣诞".into()),
            },
        );
        (blocks, days)
    }

    #[test]
    fn the_grid_has_weekday_columns_and_tells_filled_from_open() {
        let (blocks, days) = december();
        let text = render(&blocks, &days, d("2026-12-01"), 120);
        assert!(text.starts_with("December 2026\n"), "{text}");
        for day in WEEKDAYS {
            assert!(text.contains(day), "{text}");
        }
        assert!(text.contains("[x] 20:00"), "{text}");
        assert!(text.contains("#2 article"), "{text}");
        assert!(text.contains("[ ] 21:00"), "{text}");
        assert!(text.contains("#3 qa 每周答疑"), "{text}");
        assert!(text.contains("12-01 today"), "{text}");
        assert!(text.contains("skipped: 圣诞"), "{text}");
        assert!(
            text.contains("filled (1)") && text.contains("open (1)"),
            "{text}"
        );
        // Five weeks in December 2026, each a row between rules.
        assert!(text.contains("31"), "{text}");
    }

    #[test]
    fn the_grid_fits_the_terminal_width() {
        let (blocks, days) = december();
        for width in [50u16, 80, 100, 160] {
            let text = render(&blocks, &days, d("2026-12-01"), width);
            for line in text
                .lines()
                .filter(|l| l.starts_with(['┌', '│', '├', '└', '╞']))
            {
                let cols = unicode_width::UnicodeWidthStr::width(line);
                assert!(cols <= width as usize, "{cols} > {width}: {line}");
            }
        }
    }

    #[test]
    fn control_characters_in_titles_are_made_harmless() {
        let (blocks, mut days) = december();
        if let Some(day) = days.get_mut(&d("2026-12-03")) {
            day.entries[0].label = "evil\x1b[31m".into();
        }
        let text = render(&blocks, &days, d("2026-12-01"), 100);
        assert!(!text.contains('\x1b'));
    }
}
