//! `content import`: CSV rows with the header `examples/generate.rs content` writes
//! (title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares) become
//! validated content, then land in one transaction.
//!
//! Columns may come in any order and only title and kind are required. Re-running an import
//! changes nothing: a row with a url is the content with that url; a row without one is the
//! content with the same title and kind and no url (the n-th such row of the file is the n-th
//! such content).

use std::collections::HashMap;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use chrono_tz::Tz;
use encoding_rs::Encoding;
use rusqlite::Transaction;

use super::reader::{Columns, FileError, RawRow, Rows};
use super::{RowError, RowErrors};
use crate::cli::OnConflict;
use crate::content::{self, Kind, Stats, Status};
use crate::dates;
use crate::db::content::{self as store, Fields};

/// The columns a content file may have.
pub const COLUMNS: &[&str] = &[
    "title",
    "kind",
    "status",
    "topic",
    "scheduled_for",
    "published_at",
    "url",
    "views",
    "likes",
    "comments",
    "shares",
];

/// A valid row, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u64,
    pub fields: Fields,
    /// Reach numbers, when the row has any.
    pub stats: Option<Stats>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub snapshots: usize,
}

/// Reads and validates every row; fails listing each bad value if any row is invalid.
pub fn read(path: &str, encoding: Option<&'static Encoding>, tz: Tz) -> Result<Vec<Row>> {
    let mut rows = Rows::open(path, None, encoding)?;
    let mut columns = Columns::of(&rows, &["title", "kind"], COLUMNS)?;
    if let Some(name) = columns.unknown(COLUMNS) {
        bail!(FileError {
            file: rows.name().to_string(),
            line: 1,
            message: format!(
                "column {name:?}: unknown column; content columns are: {}",
                COLUMNS.join(", ")
            ),
        });
    }
    let mut valid = Vec::new();
    let mut errors = RowErrors::default();
    let mut urls: HashMap<String, u64> = HashMap::new();
    while let Some(row) = rows.next_row()? {
        columns.follow(rows.headers());
        let parsed = row
            .map_err(|shape| vec![shape.into()])
            .and_then(|row| parse_row(&row, &columns, tz));
        match parsed {
            Err(bad_values) => errors.extend(bad_values),
            Ok(row) => {
                if let Some(url) = &row.fields.url
                    && let Some(first) = urls.insert(url.clone(), row.line)
                {
                    let reason = format!("{url:?} is already on line {first}");
                    errors.push(RowError::at(row.line, "url", url, reason));
                } else {
                    valid.push(row);
                }
            }
        }
    }
    errors.fail(rows.name())?;
    Ok(valid)
}

/// A row's cells, read by column name; every bad value is kept, not only the first, so a
/// file can be fixed in one go.
struct Cells<'a> {
    row: &'a RawRow,
    columns: &'a Columns,
    errors: Vec<RowError>,
}

/// A cell whose value breaks a rule (the error is in [`Cells::errors`]).
struct Invalid;

impl Cells<'_> {
    /// An optional column's value, parsed.
    fn optional<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, Invalid> {
        let (row, columns) = (self.row, self.columns);
        row.get(columns, name)
            .map(|value| parse(value).map_err(|e| self.fail(name, e)))
            .transpose()
    }

    /// A column every row must fill; `missing` says why.
    fn required<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        missing: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, Invalid> {
        self.optional(name, parse)?
            .ok_or_else(|| self.fail(name, format!("empty: {missing}")))
    }

    fn fail(&mut self, name: &str, reason: impl std::fmt::Display) -> Invalid {
        self.errors.push(self.row.error(self.columns, name, reason));
        Invalid
    }
}

/// One record as a row, or every bad value in it.
fn parse_row(row: &RawRow, columns: &Columns, tz: Tz) -> Result<Row, Vec<RowError>> {
    let mut cells = Cells {
        row,
        columns,
        errors: Vec::new(),
    };
    let title = cells.required("title", "every row needs a title", content::title);
    let kind = cells.required(
        "kind",
        "every row needs a kind (article, video, live, discussion, qa, event)",
        str::parse::<Kind>,
    );
    let status = cells.optional("status", str::parse::<Status>);
    let topic = cells.optional("topic", content::topic);
    let url = cells.optional("url", content::url);
    let scheduled_for = cells.optional("scheduled_for", |t| dates::parse_datetime_loose(t, tz));
    let published_at = cells.optional("published_at", |t| dates::parse_datetime_loose(t, tz));
    let [views, likes, comments, shares] =
        ["views", "likes", "comments", "shares"].map(|name| cells.optional(name, content::count));
    // Whether a status lacks its time can only be judged when all three read.
    if let (Ok(status), Ok(scheduled_for), Ok(published_at)) =
        (&status, &scheduled_for, &published_at)
    {
        match status.unwrap_or(Status::Idea) {
            Status::Published if published_at.is_none() => {
                cells.fail(
                    "published_at",
                    "empty, but the status is published: when did it go out?",
                );
            }
            Status::Scheduled if scheduled_for.is_none() => {
                cells.fail(
                    "scheduled_for",
                    "empty, but the status is scheduled: when does it go out?",
                );
            }
            _ => {}
        }
    }
    let (
        Ok(title),
        Ok(kind),
        Ok(status),
        Ok(topic),
        Ok(url),
        Ok(scheduled_for),
        Ok(published_at),
        Ok(views),
        Ok(likes),
        Ok(comments),
        Ok(shares),
    ) = (
        title,
        kind,
        status,
        topic,
        url,
        scheduled_for,
        published_at,
        views,
        likes,
        comments,
        shares,
    )
    else {
        return Err(cells.errors);
    };
    if !cells.errors.is_empty() {
        return Err(cells.errors);
    }
    let stats = (views.is_some() || likes.is_some() || comments.is_some() || shares.is_some())
        .then(|| Stats {
            views: views.unwrap_or(0),
            likes: likes.unwrap_or(0),
            comments: comments.unwrap_or(0),
            shares: shares.unwrap_or(0),
        });
    Ok(Row {
        line: row.line,
        fields: Fields {
            title,
            kind,
            status: status.unwrap_or(Status::Idea),
            topic,
            scheduled_for,
            published_at,
            url,
            review_note: None,
        },
        stats,
    })
}

/// Writes validated rows: new content is added, existing content updated (or skipped, or an
/// error, as `on_conflict` says), and reach numbers recorded as the snapshot of `today`.
pub fn apply(
    tx: &Transaction<'_>,
    rows: Vec<Row>,
    on_conflict: OnConflict,
    today: NaiveDate,
    now: &str,
) -> Result<Summary> {
    let mut summary = Summary {
        rows: rows.len(),
        ..Summary::default()
    };
    // How many url-less rows of each title and kind came before: the n-th matches the n-th.
    let mut seen: HashMap<(String, Kind), usize> = HashMap::new();
    for row in rows {
        let existing = match &row.fields.url {
            Some(url) => store::find_by_url(tx, url)?,
            None => {
                let n = seen
                    .entry((row.fields.title.clone(), row.fields.kind))
                    .or_insert(0);
                let ids = store::find_by_title(tx, &row.fields.title, row.fields.kind)?;
                let id = ids.get(*n).copied();
                *n += 1;
                id
            }
        };
        let id = match existing {
            None => {
                summary.added += 1;
                store::insert(tx, &row.fields, now)?
            }
            Some(id) => match on_conflict {
                OnConflict::Skip => {
                    summary.skipped += 1;
                    continue;
                }
                OnConflict::Error => bail!(
                    "line {}: content {id} already exists ({})\nhint: --on-conflict update overwrites it, --on-conflict skip leaves it",
                    row.line,
                    row.fields.url.as_deref().unwrap_or(&row.fields.title)
                ),
                OnConflict::Update => {
                    let current = store::load(tx, id)?;
                    let fields = Fields {
                        review_note: current.fields.review_note.clone(),
                        ..row.fields.clone()
                    };
                    if fields == current.fields {
                        summary.unchanged += 1;
                    } else {
                        store::update(tx, id, &fields, now)?;
                        summary.updated += 1;
                    }
                    id
                }
            },
        };
        if let Some(stats) = &row.stats
            && store::record_stats(tx, id, today, stats, now)?
        {
            summary.snapshots += 1;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: Tz = chrono_tz::Asia::Shanghai;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        f
    }

    fn path(f: &tempfile::NamedTempFile) -> &str {
        f.path().to_str().unwrap()
    }

    const HEADER: &str =
        "title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares\n";

    #[test]
    fn the_generator_header_with_bom_and_crlf_reads() {
        let text = format!(
            "\u{feff}{}How I Learned Rust,article,published,编程技术,,2024-11-03 21:15,https://example.com/p/1,105,6,2,1\r\n\"Ideas, \"\"quoted\"\"\",video,idea,,,,,,,,\r\n",
            HEADER.replace('\n', "\r\n")
        );
        let f = file(&text);
        let rows = read(path(&f), None, SH).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].fields.status, Status::Published);
        assert_eq!(
            rows[0].fields.published_at.map(dates::format_timestamp),
            Some("2024-11-03T13:15:00Z".into())
        );
        assert_eq!(rows[0].stats.map(|s| s.views), Some(105));
        assert_eq!(rows[1].fields.title, "Ideas, \"quoted\"");
        assert_eq!(rows[1].stats, None);
    }

    #[test]
    fn every_bad_value_is_named_by_file_line_and_column() {
        let text = format!(
            "{HEADER}ok,article,idea,,,,,,,,\nbad,podcast,idea,,,,,,,,\nx,article,published,,,,,-5,,,\n"
        );
        let f = file(&text);
        let err = read(path(&f), None, SH).unwrap_err().to_string();
        let name = path(&f);
        assert!(err.contains("2 invalid row(s)"), "{err}");
        assert!(
            err.contains(&format!(
                "{name}:4: column \"published_at\" value \"\": empty, but the status is published"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "{name}:3: column \"kind\" value \"podcast\": unknown content kind \"podcast\""
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "{name}:4: column \"views\" value \"-5\": invalid count \"-5\""
            )),
            "{err}"
        );
    }

    #[test]
    fn unknown_and_missing_columns_are_refused() {
        let f = file("title,kind,colour\nx,article,red\n");
        let err = read(path(&f), None, SH).unwrap_err().to_string();
        assert!(
            err.contains(":1: column \"colour\": unknown column"),
            "{err}"
        );
        let f = file("title,status\nx,idea\n");
        assert!(
            read(path(&f), None, SH)
                .unwrap_err()
                .to_string()
                .contains(":1: missing column(s) kind in the header")
        );
    }

    #[test]
    fn re_importing_matches_urls_and_repeated_titles() {
        let text = format!(
            "{HEADER}A,article,published,,,2026-11-01 20:00,https://example.com/a,10,1,0,0\nSame,article,idea,,,,,,,,\nSame,article,draft,,,,,,,,\n"
        );
        let f = file(&text);
        let mut conn = crate::db::memory();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        for round in 0..2 {
            let tx = conn.transaction().unwrap();
            let rows = read(path(&f), None, SH).unwrap();
            let summary = apply(&tx, rows, OnConflict::Update, today, "now").unwrap();
            tx.commit().unwrap();
            if round == 0 {
                assert_eq!((summary.added, summary.snapshots), (3, 1));
            } else {
                assert_eq!(
                    (summary.added, summary.unchanged, summary.snapshots),
                    (0, 3, 0)
                );
            }
        }
        assert_eq!(store::count(&conn).unwrap(), 3);
    }
}
