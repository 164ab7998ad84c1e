//! `community plan ...`: generate, show, gaps, assign, unassign, skip, export.
//!
//! Each verb validates its arguments, asks the pure planner what the rules make, calls db/
//! inside one transaction, and hands rows to the renderer (or the calendar grid, or the
//! iCalendar writer). No SQL and no formatting here.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::calendar::{self, Block, Day, Entry};
use crate::cli::{PlanCommand, PlanExportArgs, PlanGenerateArgs, PlanRangeArgs, PlanSkipArgs};
use crate::content::{self, Kind, Status};
use crate::context::Context;
use crate::dates::{self, Span, YearMonth};
use crate::db::content as contents;
use crate::db::plan::{self as store, PlanSlot};
use crate::ics;
use crate::output::{Format, Record};
use crate::plan::{self, SlotKey};

pub fn run(ctx: &Context, command: PlanCommand) -> Result<ExitCode> {
    match command {
        PlanCommand::Generate(args) => generate(ctx, &args),
        PlanCommand::Show(args) => show(ctx, &args),
        PlanCommand::Gaps { within } => gaps(ctx, &within),
        PlanCommand::Assign { slot, content } => assign(ctx, &slot, content),
        PlanCommand::Unassign { slot } => unassign(ctx, &slot),
        PlanCommand::Skip(args) => skip(ctx, &args),
        PlanCommand::Export(args) => export(ctx, &args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// A slot as `plan show` and `plan gaps` list it.
#[derive(Serialize)]
struct SlotRow {
    id: i64,
    date: NaiveDate,
    weekday: String,
    time: String,
    minutes: i64,
    kind: Kind,
    topic: Option<String>,
    rule: String,
    state: &'static str,
    content_id: Option<i64>,
    content_title: Option<String>,
    content_status: Option<Status>,
    starts_at: String,
    key: String,
}

impl Record for SlotRow {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "date",
        "weekday",
        "time",
        "minutes",
        "kind",
        "topic",
        "rule",
        "state",
        "content_id",
        "content_title",
        "content_status",
        "starts_at",
        "key",
    ];
}

impl SlotRow {
    fn new(slot: &PlanSlot, tz: chrono_tz::Tz) -> Self {
        let local = slot.starts_at.with_timezone(&tz);
        SlotRow {
            id: slot.id,
            date: slot.key.local_start.date(),
            weekday: slot.key.local_start.format("%a").to_string(),
            time: local.format("%H:%M").to_string(),
            minutes: (slot.ends_at - slot.starts_at).num_minutes(),
            kind: slot.kind,
            topic: slot.topic.clone(),
            rule: slot.key.rule.clone(),
            state: if slot.content.is_some() {
                "filled"
            } else {
                "open"
            },
            content_id: slot.content.as_ref().map(|c| c.id),
            content_title: slot.content.as_ref().map(|c| c.title.clone()),
            content_status: slot.content.as_ref().map(|c| c.status),
            starts_at: content::local_time(slot.starts_at, tz),
            key: slot.key.to_string(),
        }
    }
}

/// A change `plan generate` made (or, with --dry-run, would make).
#[derive(Serialize)]
struct ChangeRow {
    change: &'static str,
    slot: Option<i64>,
    date: NaiveDate,
    time: String,
    kind: Kind,
    topic: Option<String>,
    rule: String,
    content_id: Option<i64>,
}

impl Record for ChangeRow {
    const COLUMNS: &'static [&'static str] = &[
        "change",
        "slot",
        "date",
        "time",
        "kind",
        "topic",
        "rule",
        "content_id",
    ];
}

fn generate(ctx: &Context, args: &PlanGenerateArgs) -> Result<()> {
    let cadence = &ctx.config.cadence;
    if cadence.rules.is_empty() {
        bail!(
            "community.toml has no [[plan.rule]]: nothing to generate\nhint: copy the [plan] section of community.example.toml and adjust it"
        );
    }
    let tz = ctx.config.community.timezone;
    let from = date_flag(ctx, args.from.as_deref(), "--from")?.unwrap_or(ctx.today);
    let until = match date_flag(ctx, args.until.as_deref(), "--until")? {
        Some(until) => until,
        None => {
            let weeks = args.weeks.unwrap_or(cadence.weeks);
            plan::until_for_weeks(from, weeks)
                .ok_or_else(|| anyhow!("--weeks {weeks} from {from} reaches past the calendar"))?
        }
    };
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let skipped = store::skipped_days(&tx, from, until)?;
    let slots = cadence
        .generate(from, until, &skipped, tz, &ctx.config.audience.interests)
        .context("[plan] in community.toml")?;
    let stored = store::in_range(&tx, from, until, false)?;
    let compared: Vec<plan::Stored> = stored
        .iter()
        .map(|s| plan::Stored {
            id: s.id,
            key: s.key.clone(),
            kind: s.kind,
            topic: s.topic.clone(),
            start: s.starts_at,
            end: s.ends_at,
            content: s.content.as_ref().map(|c| c.id),
        })
        .collect();
    let changes = plan::reconcile(&compared, slots, ctx.today);
    let ids = store::apply(&tx, &changes, &ctx.now())?;

    let by_id: BTreeMap<i64, &PlanSlot> = stored.iter().map(|s| (s.id, s)).collect();
    let mut rows: Vec<ChangeRow> = Vec::new();
    let from_slot = |change, id: Option<i64>, s: &plan::Slot| ChangeRow {
        change,
        slot: id,
        date: s.local_start.date(),
        time: s.start.with_timezone(&tz).format("%H:%M").to_string(),
        kind: s.kind,
        topic: s.topic.clone(),
        rule: s.rule.clone(),
        content_id: id
            .and_then(|id| by_id.get(&id))
            .and_then(|s| s.content.as_ref().map(|c| c.id)),
    };
    for (slot, id) in changes.insert.iter().zip(&ids) {
        rows.push(from_slot("added", Some(*id), slot));
    }
    for (id, slot) in &changes.update {
        rows.push(from_slot("updated", Some(*id), slot));
    }
    let from_stored = |change, s: &PlanSlot| ChangeRow {
        change,
        slot: Some(s.id),
        date: s.key.local_start.date(),
        time: s.starts_at.with_timezone(&tz).format("%H:%M").to_string(),
        kind: s.kind,
        topic: s.topic.clone(),
        rule: s.key.rule.clone(),
        content_id: s.content.as_ref().map(|c| c.id),
    };
    for id in &changes.delete {
        if let Some(s) = by_id.get(id) {
            rows.push(from_stored("removed", s));
        }
    }
    for id in &changes.misfits {
        if let Some(s) = by_id.get(id) {
            rows.push(from_stored("kept", s));
        }
    }
    rows.sort_by(|a, b| (a.date, &a.time, &a.rule).cmp(&(b.date, &b.time, &b.rule)));
    if args.dry_run {
        drop(tx);
    } else {
        tx.commit()?;
    }
    crate::output::render_all(ctx.format, std::io::stdout().lock(), ctx.terminal, &rows)?;

    let verb = if args.dry_run {
        "would change"
    } else {
        "changed"
    };
    ctx.note(format!(
        "plan {from}..{until} {verb}: {} added, {} updated, {} removed",
        changes.insert.len(),
        changes.update.len(),
        changes.delete.len()
    ));
    if from < ctx.today {
        ctx.note(format!(
            "note: slots before today ({}) are history and were left as they are",
            ctx.today
        ));
    }
    for id in &changes.misfits {
        if let Some(s) = by_id.get(id) {
            let title = s.content.as_ref().map_or("", |c| c.title.as_str());
            ctx.note(format!(
                "warning: slot {id} ({}) no longer fits [plan] but has content {} assigned ({title}); kept\nhint: `community plan unassign {id}`, then `community plan generate` removes it",
                s.key,
                s.content.as_ref().map_or(0, |c| c.id)
            ));
        }
    }
    Ok(())
}

/// The days `plan show` covers, and how to draw them as blocks of weeks.
fn show_range(ctx: &Context, args: &PlanRangeArgs) -> Result<(NaiveDate, NaiveDate, Vec<Block>)> {
    if let Some(text) = &args.week {
        let monday = dates::parse_iso_week(text).with_context(|| format!("--week {text:?}"))?;
        let days: Vec<NaiveDate> = monday.iter_days().take(7).collect();
        let week: [Option<NaiveDate>; 7] = std::array::from_fn(|i| days.get(i).copied());
        let sunday = days.last().copied().unwrap_or(monday);
        return Ok((
            monday,
            sunday,
            vec![Block {
                title: format!("{} ({monday} – {sunday})", text.trim().to_uppercase()),
                weeks: vec![week],
            }],
        ));
    }
    let (from, until) = match (&args.from, &args.until) {
        (Some(_), Some(_)) => {
            let from = date_flag(ctx, args.from.as_deref(), "--from")?.unwrap_or(ctx.today);
            let until = date_flag(ctx, args.until.as_deref(), "--until")?.unwrap_or(ctx.today);
            if until < from {
                bail!("--until {until} is before --from {from}");
            }
            if (until - from).num_days() > 366 * 5 {
                bail!(
                    "--from {from} --until {until} spans more than five years; show less at once"
                );
            }
            (from, until)
        }
        _ => {
            let month = match &args.month {
                Some(text) => {
                    dates::parse_month(text).with_context(|| format!("--month {text:?}"))?
                }
                None => YearMonth::of(ctx.today),
            };
            (month.first_day(), month.last_day())
        }
    };
    let mut blocks = Vec::new();
    let mut month = YearMonth::of(from);
    while month.first_day() <= until {
        let weeks = plan::month_grid(month.year(), month.month())
            .into_iter()
            .map(|week| week.map(|d| d.filter(|d| (from..=until).contains(d))))
            .filter(|week| week.iter().any(Option::is_some))
            .collect();
        blocks.push(Block {
            title: month.first_day().format("%B %Y").to_string(),
            weeks,
        });
        match month.next() {
            Some(next) => month = next,
            None => break,
        }
    }
    Ok((from, until, blocks))
}

fn show(ctx: &Context, args: &PlanRangeArgs) -> Result<()> {
    let tz = ctx.config.community.timezone;
    let (from, until, blocks) = show_range(ctx, args)?;
    let conn = ctx.read_db()?;
    let slots = store::in_range(&conn, from, until, false)?;
    if ctx.format != Format::Table {
        let rows: Vec<SlotRow> = slots.iter().map(|s| SlotRow::new(s, tz)).collect();
        return crate::output::render_all(
            ctx.format,
            std::io::stdout().lock(),
            ctx.terminal,
            &rows,
        );
    }
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for skip in store::skips(&conn, Some(from), Some(until))? {
        days.entry(skip.day).or_default().skipped = Some(skip.reason.unwrap_or_default());
    }
    for s in &slots {
        days.entry(s.key.local_start.date())
            .or_default()
            .entries
            .push(Entry {
                id: s.id,
                time: s.starts_at.with_timezone(&tz).format("%H:%M").to_string(),
                kind: s.kind.to_string(),
                label: match &s.content {
                    Some(c) => c.title.clone(),
                    None => s.topic.clone().unwrap_or_default(),
                },
                filled: s.content.is_some(),
            });
    }
    let width = ctx.terminal.unwrap_or(calendar::DEFAULT_WIDTH);
    let text = calendar::render(&blocks, &days, ctx.today, width);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if slots.is_empty() {
        ctx.note("no slots here yet\nhint: `community plan generate` makes them from [plan] in community.toml");
    }
    Ok(())
}

fn gaps(ctx: &Context, within: &str) -> Result<()> {
    let span: Span = within
        .parse()
        .with_context(|| format!("--within {within:?}"))?;
    let until = span
        .add_to(ctx.today)
        .ok_or_else(|| anyhow!("--within {within:?} reaches past the calendar"))?;
    let conn = ctx.read_db()?;
    let tz = ctx.config.community.timezone;
    let slots = store::in_range(&conn, ctx.today, until, true)?;
    let rows: Vec<SlotRow> = slots.iter().map(|s| SlotRow::new(s, tz)).collect();
    crate::output::render_all(ctx.format, std::io::stdout().lock(), ctx.terminal, &rows)?;
    ctx.note(format!(
        "{} open slot(s) from {} to {until}",
        rows.len(),
        ctx.today
    ));
    Ok(())
}

/// The slot a command line names: its id, or its key `rule@YYYY-MM-DDTHH:MM`.
fn resolve_slot(conn: &rusqlite::Connection, text: &str) -> Result<PlanSlot> {
    let id = match text.trim().parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            let key: SlotKey = text
                .trim()
                .parse()
                .map_err(|e| anyhow!("SLOT {text:?}: expected a slot id or {e}"))?;
            store::find(conn, &key)?
        }
    };
    id.and_then(|id| store::get(conn, id).transpose())
        .transpose()?
        .ok_or_else(|| store::NotFound(text.to_string()).into())
}

fn assign(ctx: &Context, slot: &str, content_id: i64) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let slot = resolve_slot(&tx, slot)?;
    let content = contents::load(&tx, content_id)?;
    if content.fields.status == Status::Archived {
        bail!(
            "content {content_id} is archived; revive it first (`community content edit {content_id} --status draft`)"
        );
    }
    if let Some(previous) = slot.content.as_ref().filter(|c| c.id != content_id) {
        ctx.note(format!(
            "slot {} held content {} ({}); it is replaced",
            slot.id, previous.id, previous.title
        ));
    }
    store::assign(&tx, slot.id, content_id)?;
    // Content not out yet goes out at its slot's time.
    let mut fields = content.fields.clone();
    if !matches!(fields.status, Status::Published | Status::Archived) {
        fields.scheduled_for = Some(slot.starts_at);
    }
    if fields != content.fields {
        contents::update(&tx, content_id, &fields, &ctx.now())?;
    }
    tx.commit()?;
    if content.fields.kind != slot.kind {
        ctx.note(format!(
            "note: slot {} is for {}, and content {content_id} is {}",
            slot.id, slot.kind, content.fields.kind
        ));
    }
    ctx.note(format!(
        "slot {} ({} {}) now has content {content_id}: {}",
        slot.id,
        when(ctx, slot.starts_at),
        slot.kind,
        content.fields.title
    ));
    Ok(())
}

fn unassign(ctx: &Context, slot: &str) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let slot = resolve_slot(&tx, slot)?;
    let was = store::unassign(&tx, slot.id)?;
    tx.commit()?;
    match was {
        Some(content) => ctx.note(format!(
            "slot {} ({}) is open again; content {content} keeps its scheduled time",
            slot.id,
            when(ctx, slot.starts_at)
        )),
        None => ctx.note(format!("slot {} was already open", slot.id)),
    }
    Ok(())
}

/// A skipped day as `plan skip` lists it.
#[derive(Serialize)]
struct SkipRow {
    date: NaiveDate,
    weekday: String,
    reason: Option<String>,
}

impl Record for SkipRow {
    const COLUMNS: &'static [&'static str] = &["date", "weekday", "reason"];
}

fn skip(ctx: &Context, args: &PlanSkipArgs) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let Some(text) = &args.date else {
        let rows: Vec<SkipRow> = store::skips(&conn, None, None)?
            .into_iter()
            .map(|s| SkipRow {
                date: s.day,
                weekday: s.day.format("%a").to_string(),
                reason: s.reason,
            })
            .collect();
        return crate::output::render_all(
            ctx.format,
            std::io::stdout().lock(),
            ctx.terminal,
            &rows,
        );
    };
    let day = dates::parse_date(text, ctx.today).with_context(|| format!("DATE {text:?}"))?;
    let tx = conn.transaction()?;
    if args.undo {
        let removed = store::remove_skip(&tx, day)?;
        tx.commit()?;
        if removed {
            ctx.note(format!(
                "{day} is no longer skipped\nhint: `community plan generate --from {day}` fills it again"
            ));
        } else {
            ctx.note(format!("{day} was not skipped"));
        }
        return Ok(());
    }
    let reason = args
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    store::add_skip(&tx, day, reason, &ctx.now())?;
    // The day's open slots go now; assigned ones stay until their content moves.
    let slots = store::in_range(&tx, day, day, false)?;
    let changes = plan::Reconciliation {
        delete: slots
            .iter()
            .filter(|s| s.content.is_none())
            .map(|s| s.id)
            .collect(),
        ..Default::default()
    };
    store::apply(&tx, &changes, &ctx.now())?;
    tx.commit()?;
    ctx.note(format!(
        "{day} is skipped{}: {} open slot(s) removed",
        reason.map_or(String::new(), |r| format!(" ({r})")),
        changes.delete.len()
    ));
    for s in slots.iter().filter(|s| s.content.is_some()) {
        ctx.note(format!(
            "warning: slot {} on {day} has content assigned and stays\nhint: `community plan unassign {}` to clear the day",
            s.id, s.id
        ));
    }
    Ok(())
}

fn export(ctx: &Context, args: &PlanExportArgs) -> Result<()> {
    if ctx.format_given && ctx.format != Format::Ics {
        bail!(
            "plan export writes iCalendar (--format ics); for rows use `community plan show --from DATE --until DATE --format {}`",
            format_name(ctx.format)
        );
    }
    let tz = ctx.config.community.timezone;
    let from = date_flag(ctx, args.from.as_deref(), "--from")?
        .unwrap_or_else(|| YearMonth::of(ctx.today).first_day());
    // Without --until, every slot from --from on (dates are 4-digit years, so 9999 is the end).
    let until = date_flag(ctx, args.until.as_deref(), "--until")?
        .or(NaiveDate::from_ymd_opt(9999, 12, 31))
        .unwrap_or(NaiveDate::MAX);
    let conn = ctx.read_db()?;
    let slots = store::in_range(&conn, from, until, false)?;
    let domain = uid_domain(&ctx.config.community.name);
    let events: Vec<ics::Event> = slots.iter().map(|s| event(s, &domain)).collect();
    let text = ics::calendar(&ctx.config.community.name, tz, &events, Utc::now());
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            ctx.note(format!(
                "wrote {} event(s) to {}",
                events.len(),
                path.display()
            ));
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            ctx.note(format!("exported {} event(s)", events.len()));
        }
    }
    Ok(())
}

/// The calendar event of a slot. Its UID is made of the slot's key, so it stays the same
/// across exports and regenerations, and of the community, so two communities' calendars
/// in one app do not collide.
fn event(slot: &PlanSlot, domain: &str) -> ics::Event {
    let topic = slot.topic.as_deref().unwrap_or("");
    let (summary, mut description) = match &slot.content {
        Some(c) => (
            format!("[{}] {}", slot.kind, c.title),
            format!("Content {} ({}): {}", c.id, c.status, c.title),
        ),
        None => (
            if topic.is_empty() {
                format!("[{}] (open)", slot.kind)
            } else {
                format!("[{}] {topic} (open)", slot.kind)
            },
            format!(
                "Open slot {}: `community plan assign {} CONTENT` fills it",
                slot.id, slot.id
            ),
        ),
    };
    if !topic.is_empty() {
        description.push_str(&format!("\nTopic: {topic}"));
    }
    description.push_str(&format!("\nRule: {}\nSlot: {}", slot.key.rule, slot.id));
    let mut categories = vec![slot.kind.to_string()];
    if !topic.is_empty() {
        categories.push(topic.to_string());
    }
    ics::Event {
        uid: format!("{}@{domain}", uid_part(&slot.key)),
        start: slot.starts_at,
        end: slot.ends_at,
        summary,
        description,
        categories,
        url: slot.content.as_ref().and_then(|c| c.url.clone()),
    }
}

/// `rule-20261203T2000`, with anything but ASCII letters, digits, `-` and `_` percent-encoded.
fn uid_part(key: &SlotKey) -> String {
    let mut out = String::new();
    for b in key.rule.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('-');
    out.push_str(&key.local_start.format("%Y%m%dT%H%M").to_string());
    out
}

/// A stable domain for UIDs: a hash (FNV-1a) of the community's name.
fn uid_domain(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}.community")
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::Csv => "csv",
        Format::Tsv => "tsv",
        Format::Json => "json",
        Format::Jsonl => "jsonl",
        Format::Ics => "ics",
    }
}

fn date_flag(ctx: &Context, text: Option<&str>, flag: &str) -> Result<Option<NaiveDate>> {
    text.map(|t| dates::parse_date(t, ctx.today).with_context(|| format!("{flag} {t:?}")))
        .transpose()
}

fn when(ctx: &Context, t: DateTime<Utc>) -> String {
    t.with_timezone(&ctx.config.community.timezone)
        .format("%Y-%m-%d %a %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    fn slot() -> PlanSlot {
        let start = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        PlanSlot {
            id: 7,
            key: "weekly article@2026-12-03T20:00".parse().unwrap(),
            kind: Kind::Article,
            topic: Some("编程技术".into()),
            starts_at: start,
            ends_at: start + chrono::TimeDelta::minutes(45),
            content: None,
        }
    }

    #[test]
    fn row_columns_match_their_fields() {
        assert_columns(&SlotRow::new(&slot(), chrono_tz::Asia::Shanghai));
        let s = slot();
        assert_columns(&ChangeRow {
            change: "added",
            slot: Some(1),
            date: s.key.local_start.date(),
            time: "20:00".into(),
            kind: s.kind,
            topic: None,
            rule: s.key.rule,
            content_id: None,
        });
        assert_columns(&SkipRow {
            date: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            weekday: "Fri".into(),
            reason: None,
        });
    }

    #[test]
    fn uids_come_from_the_slot_key_and_the_community() {
        let e = event(&slot(), &uid_domain("Rust 星球"));
        assert_eq!(
            e.uid,
            format!("weekly%20article-20261203T2000@{}", uid_domain("Rust 星球"))
        );
        assert_ne!(uid_domain("Rust 星球"), uid_domain("Go 星球"));
        assert_eq!(e.summary, "[article] 编程技术 (open)");
        assert_eq!(e.categories, ["article", "编程技术"]);
    }
}
