//! `community member import` and `member export`: files in and out, all or nothing.
//!
//! Reading, mapping and applying live in src/import/; this wires them to the flags, one
//! transaction, the reject file, the progress bar and the report.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::member::{FullRow, filter};
use crate::cli::{MemberExportArgs, MemberImportArgs};
use crate::context::Context;
use crate::db::{self, members};
use crate::import::apply::{
    Ahead, Applier, FirstSeen, Outcome, Settings, find_existing, identifiers,
};
use crate::import::fields::MapOverride;
use crate::import::reader::{self, InputFormat, Rows};
use crate::import::spent::{self, Spent};
use crate::import::{Mapped, Mapper, RowError, RowErrors, presets};
use crate::output::Format;

/// The end-of-import report; printed on stderr, and as JSON on stdout with `--format json`.
#[derive(Debug, Default, Serialize)]
struct Summary {
    file: String,
    preset: String,
    read: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    skipped: u64,
    rejected: u64,
    repeated_in_file: u64,
    dry_run: bool,
    committed: bool,
    seconds: f64,
}

pub fn import(ctx: &Context, args: MemberImportArgs) -> Result<()> {
    let started = Instant::now();
    let encoding = args.encoding.as_deref().map(reader::encoding).transpose()?;
    let overrides = args
        .maps
        .iter()
        .map(|m| m.parse::<MapOverride>())
        .collect::<Result<Vec<_>, _>>()?;
    let tier_map = tier_map(ctx, &args.tier_maps)?;
    let default_tier = match &args.tier {
        Some(name) => ctx
            .config
            .tier(name)
            .map(|t| t.name().to_string())
            .ok_or_else(|| {
                anyhow!(
                    "--tier {name:?}: no such tier; tiers are: {}",
                    ctx.config.tier_names().join(", ")
                )
            })?,
        None => ctx.config.default_tier().name().to_string(),
    };

    let mut rows = Rows::open(&args.file, args.input_format, encoding)?;
    let file = rows.name().to_string();
    let preset = match &args.preset {
        Some(name) => {
            presets::by_name(name).ok_or_else(|| anyhow!("--preset {name:?}: unknown"))?
        }
        None => presets::detect(rows.headers()),
    };
    let tz = ctx.config.community.timezone;
    let mut mapper = Mapper::new(preset, rows.headers(), &overrides, tz, ctx.today)
        .with_context(|| format!("reading the header of {file}"))?;
    if let Some(enc) = rows.decoded_from {
        ctx.note(format!("{file}: decoding from {}", enc.name()));
    }
    ctx.note(format!(
        "{file}: reading as {} ({})",
        preset.name,
        if args.preset.is_some() {
            "--preset"
        } else {
            "detected from the header"
        }
    ));
    if !mapper.unused().is_empty() {
        ctx.note(format!(
            "{file}: ignoring columns: {}",
            crate::sanitize::list(mapper.unused())
        ));
    }

    let mut rejects = args
        .rejects
        .as_ref()
        .map(|path| {
            Rejects::create(
                path,
                args.input_format.or(InputFormat::from_path(&args.file)),
            )
        })
        .transpose()?;
    let progress = progress_bar(ctx, rows.size);

    let mut conn = ctx.write_db()?;
    // Into an empty community every page is new: a rollback journal writes each once.
    let rollback_journal =
        !args.dry_run && members::is_empty(&conn)? && db::use_rollback_journal(&conn)?;
    let tx = conn.transaction()?;
    let mut applier = Applier::new(
        &tx,
        Settings {
            config: &ctx.config,
            tier_map,
            default_tier,
            on_conflict: args.on_conflict,
            today: ctx.today,
            now: ctx.now(),
        },
        rows.size,
    )?;
    let mut summary = Summary {
        file: file.clone(),
        preset: preset.name.to_string(),
        dry_run: args.dry_run,
        ..Summary::default()
    };
    let mut errors = RowErrors::default();
    let bytes_read = rows.bytes.clone();
    let keep_records = rejects.is_some();
    let mut reject = |summary: &mut Summary, headers: &[String], record, error: RowError| {
        summary.rejected += 1;
        if let (Some(rejects), Some(record)) = (&mut rejects, record) {
            rejects.write(headers, &record, &error)?;
        }
        // Summarized errors (unknown tiers) are reported once, with their row counts.
        if !error.summarized {
            errors.push(error);
        }
        anyhow::Ok(())
    };
    // Reading, decoding and validating run on a thread of their own, a batch ahead of the
    // writes: on two cores an import takes about as long as the slower half, not the sum.
    // In a community that had members, a third thread looks each row up on a connection of
    // its own (the community as it was: the writes are not committed), where most of a
    // re-import's time goes; the applier checks each answer still holds.
    // (Not beside a rollback journal, which lets no other connection read while it writes.)
    let lookups = (applier.had_members() && !rollback_journal)
        .then(|| db::open_reader(&ctx.db_path))
        .transpose()?;
    std::thread::scope(|scope| -> Result<()> {
        let (batches, mut received) = std::sync::mpsc::sync_channel::<Batch>(READ_AHEAD);
        // On the fast path the reading thread also tells the rows that are first to name
        // their identifiers, work the writes would otherwise do between statements.
        let first_seen = applier.take_first_seen();
        let (spent, returned) = Spent::channel();
        applier.give_spent_to(spent);
        // Emptied batches go back for the reader to fill again: a batch is a few hundred KB,
        // which glibc's malloc serves by first consolidating every small chunk freed since.
        let (emptied, empties) = std::sync::mpsc::channel::<Vec<Parsed>>();
        let reader = scope.spawn(move || {
            let returned = FromWrites {
                spent: returned,
                empties,
            };
            read_rows(
                &mut rows,
                &mut mapper,
                keep_records,
                first_seen,
                &batches,
                &returned,
            )
        });
        let looker = lookups.map(|mut conn| {
            let (looked_up, answers) = std::sync::mpsc::sync_channel::<Batch>(READ_AHEAD);
            let parsed = std::mem::replace(&mut received, answers);
            let today = ctx.today;
            scope.spawn(move || look_up_rows(&mut conn, today, parsed, &looked_up))
        });
        'rows: for mut batch in received {
            for parsed in batch.rows.drain(..) {
                summary.read += 1;
                if summary.read.is_multiple_of(8192) {
                    progress.set_position(bytes_read.load(std::sync::atomic::Ordering::Relaxed));
                }
                let ahead = Ahead {
                    looked_up: parsed.looked_up,
                    first_in_file: parsed.first_in_file,
                };
                let applied = apply_row(&mut applier, parsed.mapped, ahead, &mut summary);
                if let Err(error) = applied? {
                    reject(&mut summary, &batch.headers, parsed.record, error)?;
                }
                if args.stop_after.is_some_and(|n| summary.read >= n) {
                    break 'rows;
                }
            }
            // The reader may have finished: then the batch is freed here.
            let _ = emptied.send(batch.rows);
        }
        // Leaving early drops the receiver, which stops the reader at its next batch.
        if let Some(looker) = looker {
            looker
                .join()
                .map_err(|_| anyhow!("the thread looking up members panicked"))??;
        }
        reader
            .join()
            .map_err(|_| anyhow!("the thread reading {file} panicked"))?
    })?;
    // What is left (index builds after a fast path, the commit's writes) can take seconds.
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    progress.set_message("writing indexes and committing");
    summary.repeated_in_file = applier.repeats;
    let unknown_tiers = std::mem::take(&mut applier.unknown_tiers);
    applier.finish()?;
    if let Some(rejects) = rejects {
        rejects.finish()?;
    }

    let failed = summary.rejected > 0 && !args.skip_invalid;
    if failed || args.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
        summary.committed = true;
    }
    if rollback_journal {
        db::use_write_ahead_log(&conn)?;
    }
    progress.finish_and_clear();
    summary.seconds = started.elapsed().as_secs_f64();
    report(ctx, &summary, &errors, &unknown_tiers, args.skip_invalid)?;
    if failed {
        bail!(
            "{file}: {} invalid row(s); nothing was imported\nhint: fix them, or pass --skip-invalid --rejects FILE to import the rest",
            summary.rejected
        );
    }
    Ok(())
}

/// Batches the reader thread may be ahead of the writes.
const READ_AHEAD: usize = 4;
/// Rows per batch handed from the reader thread to the writes.
const BATCH_ROWS: usize = 512;

/// Rows read and validated, with the header they were read under (a JSONL file can grow it).
struct Batch {
    headers: std::sync::Arc<[String]>,
    rows: Vec<Parsed>,
}

/// One row as the reader thread hands it over.
struct Parsed {
    /// The member to write, a row to skip, or why the row is invalid.
    mapped: Result<Mapped, RowError>,
    /// The row as read, kept for `--rejects` only (and then freed where it was made).
    record: Option<csv::StringRecord>,
    /// The member the row names, when looked up ahead of the writes (`look_up_rows`).
    looked_up: Option<Option<members::Member>>,
    /// On the fast path, whether the row is the first to name each of its identifiers.
    first_in_file: Option<bool>,
}

/// What comes back to the reader thread from the writes.
struct FromWrites {
    /// The rows written, to be counted for the rollups and freed here.
    spent: spent::Returned,
    /// Batches emptied, to be filled again.
    empties: std::sync::mpsc::Receiver<Vec<Parsed>>,
}

impl FromWrites {
    /// An empty batch: one the writes are done with, or a new one.
    fn batch(&self) -> Vec<Parsed> {
        self.empties
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_ROWS))
    }
}

/// The reader thread: reads, maps and validates rows and sends them on in batches until the
/// input ends or the writes stop listening; with `first_seen` (the fast path), asks it of
/// each valid row. An unreadable input (bad bytes, a broken header) ends it with the error.
fn read_rows(
    rows: &mut Rows,
    mapper: &mut Mapper,
    keep_records: bool,
    mut first_seen: Option<FirstSeen>,
    batches: &std::sync::mpsc::SyncSender<Batch>,
    returned: &FromWrites,
) -> Result<()> {
    let mut headers: std::sync::Arc<[String]> = rows.headers().into();
    let mut batch = returned.batch();
    while let Some(next) = rows.next_row()? {
        // A JSONL object with a new key grows the header: rows before it go on under the old.
        if headers.len() != rows.headers().len() {
            let full = std::mem::replace(&mut batch, returned.batch());
            let old = std::mem::replace(&mut headers, rows.headers().into());
            if batches
                .send(Batch {
                    headers: old,
                    rows: full,
                })
                .is_err()
            {
                return Ok(());
            }
        }
        let parsed = match next {
            Err(shape) => Parsed {
                mapped: Err(RowError::new(shape.line, shape.message)),
                record: keep_records.then_some(shape.record),
                looked_up: None,
                first_in_file: None,
            },
            Ok(row) => {
                mapper.follow(rows.headers())?;
                let mapped = mapper.map(&row);
                let first_in_file = match (&mut first_seen, &mapped) {
                    (Some(seen), Ok(Mapped::Member(draft))) => Some(seen.first(identifiers(draft))),
                    _ => None,
                };
                Parsed {
                    mapped,
                    record: keep_records.then_some(row.record),
                    looked_up: None,
                    first_in_file,
                }
            }
        };
        batch.push(parsed);
        if batch.len() == BATCH_ROWS {
            returned.spent.count_and_free();
            let full = std::mem::replace(&mut batch, returned.batch());
            let batch = Batch {
                headers: headers.clone(),
                rows: full,
            };
            if batches.send(batch).is_err() {
                return Ok(());
            }
        }
    }
    // A closed channel here means the writes stopped first; they report why.
    let _ = batches.send(Batch {
        headers,
        rows: batch,
    });
    Ok(())
}

/// The lookup thread of an import into a community that had members: finds the member each
/// valid row names, in one read transaction on a connection of its own, and passes the batches
/// on, until the input ends or the writes stop listening.
fn look_up_rows(
    conn: &mut rusqlite::Connection,
    today: chrono::NaiveDate,
    parsed: std::sync::mpsc::Receiver<Batch>,
    looked_up: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
    for mut batch in parsed {
        for row in &mut batch.rows {
            if let Ok(Mapped::Member(draft)) = &row.mapped {
                row.looked_up = Some(find_existing(&tx, draft, today)?);
            }
        }
        if looked_up.send(batch).is_err() {
            break;
        }
    }
    Ok(())
}

/// Applies one mapped row; `Ok(Err(..))` rejects it.
fn apply_row(
    applier: &mut Applier<'_, '_>,
    mapped: Result<Mapped, RowError>,
    ahead: Ahead,
    summary: &mut Summary,
) -> Result<Result<(), RowError>> {
    let draft = match mapped {
        Ok(Mapped::Member(draft)) => draft,
        Ok(Mapped::Skip(_)) => {
            summary.skipped += 1;
            return Ok(Ok(()));
        }
        Err(e) => return Ok(Err(e)),
    };
    Ok(applier
        .apply_ahead(draft, ahead)?
        .map(|outcome| match outcome {
            Outcome::Inserted(_) => summary.inserted += 1,
            Outcome::Updated(_) => summary.updated += 1,
            Outcome::Unchanged(_) => summary.unchanged += 1,
            Outcome::Kept(_) => summary.skipped += 1,
        }))
}

fn report(
    ctx: &Context,
    summary: &Summary,
    errors: &RowErrors,
    unknown_tiers: &BTreeMap<String, u64>,
    skip_invalid: bool,
) -> Result<()> {
    if !errors.is_empty() {
        ctx.note(errors.listing(&summary.file));
    }
    if !unknown_tiers.is_empty() {
        let list: Vec<String> = unknown_tiers
            .iter()
            .map(|(t, n)| format!("{t:?} ({n} row{})", if *n == 1 { "" } else { "s" }))
            .collect();
        let first = unknown_tiers.keys().next().map_or("NAME", String::as_str);
        ctx.note(format!(
            "unknown tiers: {}\nhint: map each to a tier of community.toml, e.g. --tier-map \"{first}=basic\"",
            list.join(", ")
        ));
    }
    let verb = if summary.dry_run {
        "would be"
    } else if summary.committed {
        ""
    } else {
        "would have been"
    };
    ctx.note(format!(
        "{}: read {} row(s): {} {verb} inserted, {} updated, {} unchanged, {} skipped, {} rejected{}{} in {:.2}s",
        summary.file,
        summary.read,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.skipped,
        summary.rejected,
        if summary.repeated_in_file > 0 {
            format!(" ({} row(s) named a member an earlier row named)", summary.repeated_in_file)
        } else {
            String::new()
        },
        if summary.rejected > 0 && skip_invalid { " (left out: --skip-invalid)" } else { "" },
        summary.seconds,
    ).replace("  ", " "));
    if matches!(ctx.format, Format::Json | Format::Jsonl) {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, summary)?;
        writeln!(out)?;
    }
    Ok(())
}

/// `--tier-map "Gold=pro"`: platform names (any case) to tiers that exist.
fn tier_map(ctx: &Context, raw: &[String]) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for item in raw {
        let (from, to) = item
            .rsplit_once('=')
            .filter(|(f, t)| !f.trim().is_empty() && !t.trim().is_empty())
            .ok_or_else(|| anyhow!("--tier-map {item:?}: expected NAME=TIER, e.g. \"Gold=pro\""))?;
        let tier = ctx.config.tier(to.trim()).ok_or_else(|| {
            anyhow!(
                "--tier-map {item:?}: {:?} is not a tier; tiers are: {}",
                to.trim(),
                ctx.config.tier_names().join(", ")
            )
        })?;
        map.insert(from.trim().to_lowercase(), tier.name().to_string());
    }
    Ok(map)
}

fn progress_bar(ctx: &Context, size: Option<u64>) -> ProgressBar {
    if ctx.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match size {
        Some(size) => ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    // An import that fails midway leaves no stale bar above its error.
    bar.with_finish(indicatif::ProgressFinish::AndClear)
}

/// Invalid rows written as they were read, plus a `reason` column, to fix and re-import.
struct Rejects {
    path: std::path::PathBuf,
    out: RejectWriter,
    header_written: bool,
}

enum RejectWriter {
    Delimited(Box<csv::Writer<std::fs::File>>),
    Jsonl(std::io::BufWriter<std::fs::File>),
}

impl Rejects {
    fn create(path: &std::path::Path, format: Option<InputFormat>) -> Result<Rejects> {
        // Rejected rows are members' data: readable by the owner only, like the database.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .with_context(|| format!("creating {}", path.display()))?;
        let out = match format {
            Some(InputFormat::Jsonl) => RejectWriter::Jsonl(std::io::BufWriter::new(file)),
            other => RejectWriter::Delimited(Box::new(
                csv::WriterBuilder::new()
                    .delimiter(if other == Some(InputFormat::Tsv) {
                        b'\t'
                    } else {
                        b','
                    })
                    .flexible(true)
                    .from_writer(file),
            )),
        };
        Ok(Rejects {
            path: path.to_path_buf(),
            out,
            header_written: false,
        })
    }

    fn write(
        &mut self,
        headers: &[String],
        record: &csv::StringRecord,
        error: &RowError,
    ) -> Result<()> {
        let reason = error.to_string();
        match &mut self.out {
            RejectWriter::Delimited(w) => {
                if !self.header_written {
                    w.write_record(headers.iter().map(String::as_str).chain(["reason"]))?;
                    self.header_written = true;
                }
                w.write_record(record.iter().chain([reason.as_str()]))?;
            }
            RejectWriter::Jsonl(w) => {
                let mut object = serde_json::Map::new();
                for (header, cell) in headers.iter().zip(record.iter()) {
                    object.insert(header.clone(), serde_json::Value::String(cell.to_string()));
                }
                object.insert("reason".into(), serde_json::Value::String(reason));
                serde_json::to_writer(&mut *w, &object)?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self.out {
            RejectWriter::Delimited(mut w) => w.flush(),
            RejectWriter::Jsonl(mut w) => w.flush(),
        }
        .with_context(|| format!("writing {}", self.path.display()))
    }
}

pub fn export(ctx: &Context, args: &MemberExportArgs) -> Result<()> {
    let filter = filter(ctx, &args.filter)?;
    let conn = ctx.read_db()?;
    let mut out = ctx.renderer::<FullRow>()?;
    if args.spreadsheet_safe {
        out = out.guard_formulas();
    }
    // SQLite reads on a thread of its own, a few batches ahead of the formatting and writing.
    let today = ctx.today;
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<Vec<members::Member>>(READ_AHEAD);
        // Written batches go back to the reader, which reads the next members into them:
        // where each member was allocated there and freed here, the two threads contended for
        // the allocator (a third of an export's CPU time), and the reader was the slower.
        let (spent, returned) = std::sync::mpsc::channel::<Vec<members::Member>>();
        let reader = scope.spawn(move || {
            let mut spares = Vec::new();
            let spare = || {
                if spares.is_empty() {
                    spares = returned.try_recv().unwrap_or_default();
                }
                spares.pop().unwrap_or_else(members::Member::blank)
            };
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            members::for_each_reusing(&conn, &filter, today, spare, |m| {
                batch.push(m);
                if batch.len() == BATCH_ROWS {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                    batches
                        .send(full)
                        .map_err(|_| anyhow!("the output stopped"))?;
                }
                Ok(())
            })?;
            // A closed channel here means the output stopped first; it reports why.
            let _ = batches.send(batch);
            anyhow::Ok(())
        });
        let written = received.into_iter().try_for_each(|batch| {
            for m in &batch {
                let mut row = FullRow::from(m);
                row.redact(&args.redact);
                out.write(&row)?;
            }
            // The reader may be done (it sent its last batch): then this one drops here.
            let _ = spent.send(batch);
            anyhow::Ok(())
        });
        // The output's failure (a closed pipe, a full disk) is the one to report.
        written?;
        reader
            .join()
            .map_err(|_| anyhow!("the thread reading the members panicked"))??;
        out.finish()
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rusqlite::Connection;

    use super::*;
    use crate::config::Config;
    use crate::import::apply::OnConflict;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date")
    }

    #[test]
    fn the_reader_fills_the_batches_that_came_back_before_new_ones() {
        let (emptied, empties) = std::sync::mpsc::channel();
        let (_, spent) = Spent::channel();
        let returned = FromWrites { spent, empties };
        let used: Vec<Parsed> = Vec::with_capacity(BATCH_ROWS);
        let space = used.as_ptr();
        emptied.send(used).unwrap();
        let again = returned.batch();
        assert_eq!(again.as_ptr(), space, "the batch that came back");
        let new = returned.batch();
        assert!(
            new.is_empty() && new.capacity() >= BATCH_ROWS,
            "then a new one"
        );
    }

    /// Imports CSV bytes as `member import` does, every row expected valid.
    fn import(conn: &mut Connection, config: &Config, csv: &[u8]) {
        let mut rows = Rows::from_reader(
            "in.csv".into(),
            Box::new(std::io::Cursor::new(csv.to_vec())),
            None,
            None,
            None,
        )
        .unwrap();
        let preset = presets::detect(rows.headers());
        let mut mapper = Mapper::new(
            preset,
            rows.headers(),
            &[],
            chrono_tz::Asia::Shanghai,
            today(),
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        let mut applier = Applier::new(
            &tx,
            Settings {
                config,
                tier_map: BTreeMap::new(),
                default_tier: "free".into(),
                on_conflict: OnConflict::Update,
                today: today(),
                now: "2026-11-23T00:00:00Z".into(),
            },
            None,
        )
        .unwrap();
        while let Some(row) = rows.next_row().unwrap() {
            let row = row.unwrap();
            mapper.follow(rows.headers()).unwrap();
            let Mapped::Member(draft) = mapper.map(&row).unwrap() else {
                panic!("line {} skipped", row.line);
            };
            applier.apply(draft).unwrap().unwrap();
        }
        applier.finish().unwrap();
        tx.commit().unwrap();
    }

    /// `member export --format csv`, as bytes.
    fn export(conn: &Connection) -> Vec<u8> {
        export_with(conn, &members::Filter::default())
    }

    fn export_with(conn: &Connection, filter: &members::Filter) -> Vec<u8> {
        export_reusing(conn, filter, members::Member::blank)
    }

    /// [`export_with`], reading each member into one `spare` gives.
    fn export_reusing(
        conn: &Connection,
        filter: &members::Filter,
        spare: impl FnMut() -> members::Member,
    ) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut out =
            crate::output::Renderer::new::<FullRow>(Format::Csv, &mut bytes, None).unwrap();
        members::for_each_reusing(conn, filter, today(), spare, |m| {
            out.write(&FullRow::from(&m))
        })
        .unwrap();
        out.finish().unwrap();
        bytes
    }

    /// Every member, but read by the statement that asks for tags and points per member (a
    /// whole export merges them in instead).
    fn every_member_one_by_one() -> members::Filter {
        members::Filter {
            limit: Some(u64::MAX),
            ..members::Filter::default()
        }
    }

    /// A community of the example config holding the members of `csv`.
    fn community_of(csv: &[u8]) -> Connection {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        import(&mut conn, &config, csv);
        conn
    }

    #[test]
    fn a_whole_export_reads_tags_and_points_as_a_filtered_one_does() {
        let conn = community_of(
            b"email,name,tags,points\na@x.io,A,b;a,5\nb@x.io,B,,\nc@x.io,C,c,7\nd@x.io,D,d;e,1\n",
        );
        // Spends and grants after the import, a member gone, and one with points but no tags.
        conn.execute_batch(
            "INSERT INTO points_ledger (member_id, delta, reason, created_at) VALUES \
               (1, -2, 'spent', '2026-11-01T00:00:00Z'), (2, 3, 'grant', '2026-11-01T00:00:00Z'), \
               (4, -1, 'spent', '2026-11-01T00:00:00Z'); \
             DELETE FROM members WHERE id = 3;",
        )
        .unwrap();
        let whole = String::from_utf8(export(&conn)).unwrap();
        assert_eq!(
            whole,
            String::from_utf8(export_with(&conn, &every_member_one_by_one())).unwrap()
        );
        // Tags in order, points summed over the ledger (grants, spends, imported balances).
        let cells: Vec<(&str, &str, &str)> = whole
            .lines()
            .skip(1)
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells[0], cells[12], cells[13])
            })
            .collect();
        assert_eq!(
            cells,
            [("1", "a;b", "3"), ("2", "", "3"), ("4", "d;e", "0")],
            "{whole}"
        );
    }

    #[test]
    fn members_read_into_used_space_read_as_into_new() {
        // An export reads members into those it has written (`for_each_reusing`): nothing of
        // the member read there before may remain, whichever path reads them.
        let conn = community_of(
            b"email,name,tags,points,phone,note\na@x.io,A,b;a;c,5,1380000,n\nb@x.io,B,,,,\n\
              c@x.io,C,c,7,,\nd@x.io,D,d;e,,,\n",
        );
        let all = members::Filter::default();
        let one_by_one = every_member_one_by_one();
        let mut used = None;
        members::for_each(&conn, &all, today(), |m| {
            used = Some(m);
            Ok(())
        })
        .unwrap();
        let mut used = used.unwrap();
        used.tags = vec!["x".into(), "y".into(), "z".into(), "w".into()];
        used.points = 99;
        used.fields.wechat = Some("stale".into());
        // Read anew by the statement that asks for tags and points per member.
        let expected = String::from_utf8(export_with(&conn, &one_by_one)).unwrap();
        assert!(
            expected.contains(",b;a;c,") || expected.contains(",a;b;c,"),
            "{expected}"
        );
        for filter in [&all, &one_by_one] {
            let reused = export_reusing(&conn, filter, || used.clone());
            assert_eq!(String::from_utf8(reused).unwrap(), expected);
        }
    }

    /// Text a cell keeps through a round trip: no CR (line ends are normalised to LF) and no
    /// surrounding space (cells are trimmed).
    fn cell_text(pattern: &'static str) -> impl Strategy<Value = String> {
        pattern.prop_map(|s: String| s.trim().to_string())
    }

    #[derive(Debug, Clone)]
    struct Spec {
        name: String,
        phone: Option<String>,
        tags: Vec<String>,
        note: String,
        points: u32,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            cell_text("[^\r\n\t]{1,40}").prop_filter("a name", |s| !s.is_empty()),
            proptest::option::of("\\+?[0-9]{5,20}"),
            proptest::collection::vec(
                prop_oneof![
                    cell_text("[^,;、，；|\r\n\t\\p{Cc}]{1,20}")
                        .prop_filter("a tag", |s| !s.is_empty()),
                    prop::sample::select(vec!["-", "无", "null", "VIP", "vip", "@x"])
                        .prop_map(str::to_string),
                ],
                0..4,
            ),
            cell_text("[^\r]{0,80}"),
            0u32..100_000,
        )
            .prop_map(|(name, phone, tags, note, points)| Spec {
                name,
                phone,
                tags,
                note,
                points,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn export_then_import_into_a_fresh_database_gives_the_same_export(
            specs in proptest::collection::vec(spec(), 1..12),
        ) {
            let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
            let mut csv = csv::Writer::from_writer(Vec::new());
            csv.write_record(["email", "name", "phone", "tags", "note", "points"]).unwrap();
            for (i, s) in specs.iter().enumerate() {
                // Phones must be unique; a repeat is dropped rather than merged.
                let phone = s.phone.as_ref().filter(|p| !specs[..i].iter().any(|o| o.phone.as_ref() == Some(p)));
                csv.write_record([
                    format!("m{i}@example.com"),
                    s.name.clone(),
                    phone.cloned().unwrap_or_default(),
                    s.tags.join(";"),
                    s.note.clone(),
                    s.points.to_string(),
                ]).unwrap();
            }
            let mut first = crate::db::memory();
            import(&mut first, &config, &csv.into_inner().unwrap());
            let exported = export(&first);
            // A whole export merges tags and points in; any filter reads them per member.
            prop_assert_eq!(
                String::from_utf8(export_with(&first, &every_member_one_by_one())).unwrap(),
                String::from_utf8(exported.clone()).unwrap()
            );

            let mut second = crate::db::memory();
            import(&mut second, &config, &exported);
            prop_assert_eq!(
                String::from_utf8(export(&second)).unwrap(),
                String::from_utf8(exported.clone()).unwrap()
            );

            // And what went in is what is stored.
            let mut stored = Vec::new();
            members::for_each(&second, &members::Filter::default(), today(), |m| {
                stored.push(m);
                Ok(())
            }).unwrap();
            prop_assert_eq!(stored.len(), specs.len());
            for (m, s) in stored.iter().zip(&specs) {
                prop_assert_eq!(&m.fields.name, &s.name);
                prop_assert_eq!(m.fields.note.as_deref().unwrap_or(""), s.note.as_str());
                prop_assert_eq!(m.points, i64::from(s.points));
                let mut want: Vec<String> = Vec::new();
                for t in &s.tags {
                    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                    if crate::member::is_placeholder(&t) {
                        continue;
                    }
                    if !want.iter().any(|w| w.to_lowercase() == t.to_lowercase()) {
                        want.push(t);
                    }
                }
                let mut got = m.tags.clone();
                got.sort();
                want.sort();
                prop_assert_eq!(got, want);
            }
        }
    }
}
