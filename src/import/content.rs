//! `content import`: CSV rows with the header `examples/generate.rs content` writes
//! (title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares) become
//! validated content, then land in one transaction.
//!
//! Columns may come in any order and only title and kind are required. Re-running an import
//! changes nothing: a row with a url is the content with that url; a row without one is the
//! content with the same title and kind and no url (the n-th such row of the file is the n-th
//! such content).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::Transaction;

use super::csv_file::{MAX_LISTED_ERRORS, RowError, RowErrors};
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
pub fn read(path: &Path, tz: Tz) -> Result<Vec<Row>> {
    let file = super::csv_file::label(path);
    let (mut reader, headers) = super::csv_file::csv_reader(path)?;
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let Some(known) = COLUMNS.iter().find(|c| **c == header.as_str()) else {
            bail!(
                "{file}:1:{}: unknown column {header:?}; content columns are: {}",
                i + 1,
                COLUMNS.join(", ")
            );
        };
        if index.insert(known, i).is_some() {
            bail!("{file}:1:{}: column {header:?} appears twice", i + 1);
        }
    }
    for required in ["title", "kind"] {
        if !index.contains_key(required) {
            bail!(
                "{file}:1: no {required:?} column; the header needs at least title and kind, e.g.\n  {}",
                COLUMNS.join(",")
            );
        }
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut count = 0;
    let mut urls: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| super::csv_file::csv_error(path, e))?;
        let line = record.position().map_or(0, csv::Position::line);
        let mut row_errors = Vec::new();
        let row = parse_row(&record, &index, line, tz, &mut |name, message| {
            row_errors.push(RowError {
                file: file.clone(),
                line,
                column: index.get(name).map_or(0, |i| i + 1),
                name: name.to_string(),
                message,
            });
        });
        if let Some(row) = row.filter(|_| row_errors.is_empty()) {
            if let Some(url) = &row.fields.url
                && let Some(first) = urls.insert(url.clone(), line)
            {
                row_errors.push(RowError {
                    file: file.clone(),
                    line,
                    column: index.get("url").map_or(0, |i| i + 1),
                    name: "url".into(),
                    message: format!("{url:?} is already on line {first}"),
                });
            } else {
                rows.push(row);
            }
        }
        count += row_errors.len();
        errors.extend(row_errors);
    }
    if count > 0 {
        errors.truncate(MAX_LISTED_ERRORS);
        return Err(RowErrors {
            file,
            errors,
            count,
        }
        .into());
    }
    Ok(rows)
}

/// One record as a row; each bad value goes to `error` (column name, message).
fn parse_row(
    record: &csv::StringRecord,
    index: &HashMap<&str, usize>,
    line: u64,
    tz: Tz,
    error: &mut dyn FnMut(&'static str, String),
) -> Option<Row> {
    let cell = |name: &str| {
        index
            .get(name)
            .and_then(|i| record.get(*i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let mut check = |name: &'static str, result: Result<(), String>| {
        if let Err(message) = result {
            error(name, message);
        }
    };
    let title = match cell("title") {
        None => Err("empty: every row needs a title".to_string()),
        Some(t) => content::title(t).map_err(|e| e.to_string()),
    };
    let kind = match cell("kind") {
        None => Err(
            "empty: every row needs a kind (article, video, live, discussion, qa, event)"
                .to_string(),
        ),
        Some(k) => k.parse::<Kind>().map_err(|e| e.to_string()),
    };
    let status = cell("status").map_or(Ok(Status::Idea), |s| {
        s.parse().map_err(|e: content::InvalidValue| e.to_string())
    });
    let topic = cell("topic")
        .map(|t| content::topic(t).map_err(|e| e.to_string()))
        .transpose();
    let url = cell("url")
        .map(|u| content::url(u).map_err(|e| e.to_string()))
        .transpose();
    let time = |name: &str| {
        cell(name)
            .map(|t| dates::parse_datetime_loose(t, tz).map_err(|e| e.to_string()))
            .transpose()
    };
    let scheduled_for = time("scheduled_for");
    let published_at = time("published_at");
    let mut numbers = [Ok(None), Ok(None), Ok(None), Ok(None)];
    for (slot, name) in numbers
        .iter_mut()
        .zip(["views", "likes", "comments", "shares"])
    {
        *slot = cell(name)
            .map(|v| content::count(v).map_err(|e| e.to_string()))
            .transpose();
    }
    check("title", title.as_ref().map(|_| ()).map_err(Clone::clone));
    check("kind", kind.as_ref().map(|_| ()).map_err(Clone::clone));
    check("status", status.as_ref().map(|_| ()).map_err(Clone::clone));
    check("topic", topic.as_ref().map(|_| ()).map_err(Clone::clone));
    check("url", url.as_ref().map(|_| ()).map_err(Clone::clone));
    check(
        "scheduled_for",
        scheduled_for.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    check(
        "published_at",
        published_at.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    for (number, name) in numbers.iter().zip(["views", "likes", "comments", "shares"]) {
        check(name, number.as_ref().map(|_| ()).map_err(Clone::clone));
    }
    let status = status.ok()?;
    let scheduled_for = scheduled_for.ok()?;
    let published_at = published_at.ok()?;
    if status == Status::Published && published_at.is_none() {
        check(
            "published_at",
            Err("empty, but the status is published: when did it go out?".into()),
        );
        return None;
    }
    if status == Status::Scheduled && scheduled_for.is_none() {
        check(
            "scheduled_for",
            Err("empty, but the status is scheduled: when does it go out?".into()),
        );
        return None;
    }
    let [views, likes, comments, shares] = numbers;
    let (views, likes, comments, shares) = (views.ok()?, likes.ok()?, comments.ok()?, shares.ok()?);
    let stats = (views.is_some() || likes.is_some() || comments.is_some() || shares.is_some())
        .then(|| Stats {
            views: views.unwrap_or(0),
            likes: likes.unwrap_or(0),
            comments: comments.unwrap_or(0),
            shares: shares.unwrap_or(0),
        });
    Some(Row {
        line,
        fields: Fields {
            title: title.ok()?,
            kind: kind.ok()?,
            status,
            topic: topic.ok()?,
            scheduled_for,
            published_at,
            url: url.ok()?,
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

    const HEADER: &str =
        "title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares\n";

    #[test]
    fn the_generator_header_with_bom_and_crlf_reads() {
        let text = format!(
            "\u{feff}{}How I Learned Rust,article,published,编程技术,,2024-11-03 21:15,https://example.com/p/1,105,6,2,1\r\n\"Ideas, \"\"quoted\"\"\",video,idea,,,,,,,,\r\n",
            HEADER.replace('\n', "\r\n")
        );
        let f = file(&text);
        let rows = read(f.path(), SH).unwrap();
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
        let err = read(f.path(), SH).unwrap_err().to_string();
        let name = f.path().display().to_string();
        assert!(err.contains("3 invalid row value(s)"), "{err}");
        assert!(err.contains(":4:6: published_at: empty, but the status is published"));
        assert!(
            err.contains(&format!(
                "{name}:3:2: kind: unknown content kind \"podcast\""
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("{name}:4:8: views: invalid count \"-5\"")),
            "{err}"
        );
    }

    #[test]
    fn unknown_and_missing_columns_are_refused() {
        let f = file("title,kind,colour\nx,article,red\n");
        let err = read(f.path(), SH).unwrap_err().to_string();
        assert!(err.contains(":1:3: unknown column \"colour\""), "{err}");
        let f = file("title,status\nx,idea\n");
        assert!(
            read(f.path(), SH)
                .unwrap_err()
                .to_string()
                .contains("no \"kind\" column")
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
            let rows = read(f.path(), SH).unwrap();
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
