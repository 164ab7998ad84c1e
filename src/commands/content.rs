//! `community content ...`: add, list, show, edit, remove, the workflow verbs (submit, approve,
//! reject, schedule, publish, archive), stats and import; and `community report content`.
//!
//! Each verb validates its arguments, calls db/ inside one transaction, and hands rows to the
//! renderer. No SQL and no formatting here.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::cli::{
    ContentAddArgs, ContentCommand, ContentEditArgs, ContentGroup, ContentImportArgs,
    ContentListArgs, ContentSortKey, ContentStatsArgs, ReportContentArgs,
};
use crate::content::{self, Kind, Stats, Status, Tally};
use crate::context::Context;
use crate::dates;
use crate::db::content::{self as store, Content, Fields, Filter, Sort};
use crate::db::plan as slots;
use crate::output::Record;
use crate::{import, prompt};

pub fn run(ctx: &Context, command: ContentCommand) -> Result<ExitCode> {
    match command {
        ContentCommand::Add(args) => add(ctx, args),
        ContentCommand::List(args) => list(ctx, &args),
        ContentCommand::Show { id } => show(ctx, id),
        ContentCommand::Edit(args) => edit(ctx, args),
        ContentCommand::Remove { id } => remove(ctx, id),
        ContentCommand::Submit { id } => submit(ctx, id),
        ContentCommand::Approve { id, at } => approve(ctx, id, at.as_deref()),
        ContentCommand::Reject { id, reason } => reject(ctx, id, &reason),
        ContentCommand::Schedule { id, at } => schedule(ctx, id, at.as_deref()),
        ContentCommand::Publish { id, at, url } => publish(ctx, id, at.as_deref(), url),
        ContentCommand::Archive { id } => archive(ctx, id),
        ContentCommand::Stats(args) => stats(ctx, args),
        ContentCommand::Import(args) => import(ctx, &args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// A row of `content list`: the pipeline at a glance, with the latest reach.
#[derive(Serialize)]
struct ListRow<'a> {
    id: i64,
    title: &'a str,
    kind: Kind,
    status: Status,
    topic: Option<&'a str>,
    scheduled_for: Option<String>,
    published_at: Option<String>,
    url: Option<&'a str>,
    slot: Option<i64>,
    views: Option<i64>,
    likes: Option<i64>,
    comments: Option<i64>,
    shares: Option<i64>,
    stats_on: Option<NaiveDate>,
}

impl Record for ListRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "kind",
        "status",
        "topic",
        "scheduled_for",
        "published_at",
        "url",
        "slot",
        "views",
        "likes",
        "comments",
        "shares",
        "stats_on",
    ];
}

impl<'a> ListRow<'a> {
    fn new(c: &'a Content, tz: chrono_tz::Tz) -> Self {
        let f = &c.fields;
        let stat = |pick: fn(&Stats) -> i64| c.stats.as_ref().map(|(_, s)| pick(s));
        ListRow {
            id: c.id,
            title: &f.title,
            kind: f.kind,
            status: f.status,
            topic: f.topic.as_deref(),
            scheduled_for: f.scheduled_for.map(|t| content::local_time(t, tz)),
            published_at: f.published_at.map(|t| content::local_time(t, tz)),
            url: f.url.as_deref(),
            slot: c.slot_id,
            views: stat(|s| s.views),
            likes: stat(|s| s.likes),
            comments: stat(|s| s.comments),
            shares: stat(|s| s.shares),
            stats_on: c.stats.as_ref().map(|(day, _)| *day),
        }
    }
}

/// Every field of a piece of content, flat: what `content show` prints.
#[derive(Serialize)]
struct FullRow<'a> {
    #[serde(flatten)]
    list: ListRow<'a>,
    review_note: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
}

impl Record for FullRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "kind",
        "status",
        "topic",
        "scheduled_for",
        "published_at",
        "url",
        "slot",
        "views",
        "likes",
        "comments",
        "shares",
        "stats_on",
        "review_note",
        "created_at",
        "updated_at",
    ];
}

/// A dated reach snapshot.
#[derive(Serialize)]
struct StatsRow {
    day: NaiveDate,
    views: i64,
    likes: i64,
    comments: i64,
    shares: i64,
    engagement_rate: Option<f64>,
    recorded_at: String,
}

impl Record for StatsRow {
    const COLUMNS: &'static [&'static str] = &[
        "day",
        "views",
        "likes",
        "comments",
        "shares",
        "engagement_rate",
        "recorded_at",
    ];
}

impl From<store::Snapshot> for StatsRow {
    fn from(s: store::Snapshot) -> Self {
        StatsRow {
            day: s.day,
            views: s.stats.views,
            likes: s.stats.likes,
            comments: s.stats.comments,
            shares: s.stats.shares,
            engagement_rate: content::engagement_rate(s.stats.engagement(), s.stats.views),
            recorded_at: s.recorded_at,
        }
    }
}

fn add(ctx: &Context, args: ContentAddArgs) -> Result<()> {
    let title = prompt::required(ctx, args.title, "--title", "Title")?;
    let title = content::title(&title).context("--title")?;
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = prompt::choose(ctx, args.kind, "Kind", &kinds, 0)?
        .ok_or_else(|| anyhow!("missing --kind: one of {}", kinds.join(", ")))?;
    let kind = parse_kind(&kind)?;
    let status: Status = args
        .status
        .parse()
        .with_context(|| format!("--status {:?}", args.status))?;
    if !matches!(status, Status::Idea | Status::Draft | Status::Review) {
        bail!(
            "--status {status}: new content starts as idea, draft or review\nhint: add it, then `content approve`, `content schedule` or `content publish` it"
        );
    }
    let fields = Fields {
        title,
        kind,
        status,
        topic: clearable(args.topic.as_deref(), "--topic", content::topic)?,
        scheduled_for: None,
        published_at: None,
        url: clearable(args.url.as_deref(), "--url", content::url)?,
        review_note: None,
    };
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    store::check_url(&tx, &fields, None)?;
    let id = store::insert(&tx, &fields, &ctx.now())?;
    tx.commit()?;
    println!("{id}");
    ctx.note(format!(
        "added {} {id} ({status}): {}",
        fields.kind, fields.title
    ));
    Ok(())
}

fn list(ctx: &Context, args: &ContentListArgs) -> Result<()> {
    let tz = ctx.config.community.timezone;
    let day_start =
        |text: &Option<String>, flag: &str, next: bool| -> Result<Option<DateTime<Utc>>> {
            text.as_deref()
                .map(|t| {
                    let date =
                        dates::parse_date(t, ctx.today).with_context(|| format!("{flag} {t:?}"))?;
                    let date = if next {
                        date.succ_opt().unwrap_or(date)
                    } else {
                        date
                    };
                    local_midnight(date, tz)
                })
                .transpose()
        };
    let filter = Filter {
        status: args
            .status
            .as_deref()
            .map(|s| s.parse().with_context(|| format!("--status {s:?}")))
            .transpose()?,
        kind: args.kind.as_deref().map(parse_kind).transpose()?,
        topic: args.topic.as_deref().map(str::trim).map(str::to_string),
        search: args.search.clone().filter(|s| !s.is_empty()),
        published_from: day_start(&args.published_after, "--published-after", false)?,
        published_until: day_start(&args.published_before, "--published-before", true)?,
        sort: match args.sort {
            ContentSortKey::Id => Sort::Id,
            ContentSortKey::Title => Sort::Title,
            ContentSortKey::Kind => Sort::Kind,
            ContentSortKey::Status => Sort::Status,
            ContentSortKey::Topic => Sort::Topic,
            ContentSortKey::ScheduledFor => Sort::ScheduledFor,
            ContentSortKey::PublishedAt => Sort::PublishedAt,
            ContentSortKey::Views => Sort::Views,
        },
        descending: args.desc,
        limit: args.limit,
    };
    let conn = ctx.read_db()?;
    let mut out = ctx.renderer::<ListRow>()?;
    store::for_each(&conn, &filter, |c| out.write(&ListRow::new(&c, tz)))?;
    out.finish()
}

fn show(ctx: &Context, id: i64) -> Result<()> {
    let tz = ctx.config.community.timezone;
    let conn = ctx.read_db()?;
    let content = store::load(&conn, id)?;
    let history: Vec<StatsRow> = store::stats_history(&conn, id)?
        .into_iter()
        .map(StatsRow::from)
        .collect();
    let full = FullRow {
        list: ListRow::new(&content, tz),
        review_note: content.fields.review_note.as_deref(),
        created_at: &content.created_at,
        updated_at: &content.updated_at,
    };
    #[derive(Serialize)]
    struct Detail<'a> {
        #[serde(flatten)]
        content: FullRow<'a>,
        next_statuses: &'static [Status],
        stats_history: Vec<StatsRow>,
    }
    crate::output::show(
        ctx.format,
        ctx.terminal,
        &Detail {
            content: full,
            next_statuses: content.fields.status.next(),
            stats_history: history,
        },
    )
}

fn edit(ctx: &Context, args: ContentEditArgs) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let content = store::load(&tx, args.id)?;
    let mut fields = content.fields.clone();
    let mut changed = false;
    if let Some(title) = &args.title {
        fields.title = content::title(title).with_context(|| format!("--title {title:?}"))?;
        changed = true;
    }
    if let Some(kind) = &args.kind {
        fields.kind = parse_kind(kind)?;
        changed = true;
    }
    if let Some(topic) = &args.topic {
        fields.topic = clearable(Some(topic), "--topic", content::topic)?;
        changed = true;
    }
    if let Some(url) = &args.url {
        fields.url = clearable(Some(url), "--url", content::url)?;
        changed = true;
    }
    if let Some(text) = &args.status {
        let to: Status = text.parse().with_context(|| format!("--status {text:?}"))?;
        if to != fields.status {
            fields
                .status
                .check(to)
                .with_context(|| format!("--status {text:?}"))?;
            let verb = match (fields.status, to) {
                (_, Status::Scheduled) => Some("schedule"),
                (_, Status::Published) => Some("publish"),
                (Status::Review, Status::Draft) => Some("reject"),
                _ => None,
            };
            if let Some(verb) = verb {
                bail!(
                    "--status {to}: use `community content {verb} {}`, which {}",
                    args.id,
                    match verb {
                        "reject" => "records why review sent it back",
                        "publish" => "stamps published_at",
                        _ => "sets the time",
                    }
                );
            }
            fields.status = to;
        }
        changed = true;
    }
    if !changed {
        bail!("nothing to change: pass at least one of --title, --kind, --topic, --url, --status");
    }
    if fields == content.fields {
        ctx.note(format!("content {} unchanged", args.id));
        return Ok(());
    }
    store::check_url(&tx, &fields, Some(args.id))?;
    store::update(&tx, args.id, &fields, &ctx.now())?;
    tx.commit()?;
    ctx.note(format!(
        "updated content {} ({}): {}",
        args.id, fields.status, fields.title
    ));
    Ok(())
}

fn remove(ctx: &Context, id: i64) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let content = store::load(&conn, id)?;
    let slot = content
        .slot_id
        .map_or(String::new(), |s| format!(" (slot {s} becomes open)"));
    prompt::confirm(
        ctx,
        &format!(
            "Remove content {id} ({}, {}) with its reach history{slot}?",
            content.fields.status, content.fields.title
        ),
    )?;
    let tx = conn.transaction()?;
    store::delete(&tx, id)?;
    tx.commit()?;
    ctx.note(format!(
        "removed content {id}: {}{slot}",
        content.fields.title
    ));
    Ok(())
}

/// Moves content to `to` after `change` adjusted its fields; one transaction.
fn transition(
    ctx: &Context,
    id: i64,
    to: Status,
    change: impl FnOnce(&rusqlite::Connection, &Content, &mut Fields) -> Result<()>,
) -> Result<Fields> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let content = store::load(&tx, id)?;
    content
        .fields
        .status
        .check(to)
        .map_err(|e| anyhow!("content {id}: {e}"))?;
    let mut fields = content.fields.clone();
    fields.status = to;
    change(&tx, &content, &mut fields)?;
    store::check_url(&tx, &fields, Some(id))?;
    store::update(&tx, id, &fields, &ctx.now())?;
    tx.commit()?;
    Ok(fields)
}

fn submit(ctx: &Context, id: i64) -> Result<()> {
    let fields = transition(ctx, id, Status::Review, |_, _, _| Ok(()))?;
    ctx.note(format!("content {id} is in review: {}", fields.title));
    Ok(())
}

fn approve(ctx: &Context, id: i64, at: Option<&str>) -> Result<()> {
    let fields = transition(ctx, id, Status::Scheduled, |conn, content, fields| {
        fields.scheduled_for = Some(schedule_time(ctx, conn, content, at)?);
        Ok(())
    })?;
    ctx.note(format!(
        "approved content {id}; scheduled for {}: {}",
        when(ctx, fields.scheduled_for),
        fields.title
    ));
    Ok(())
}

fn reject(ctx: &Context, id: i64, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        bail!("--reason is empty: say what to change before it comes back to review");
    }
    let content = {
        let conn = ctx.read_db()?;
        store::load(&conn, id)?
    };
    if content.fields.status != Status::Review {
        bail!(
            "content {id} is {}, not in review; only review sends content back to draft\nhint: `community content edit {id} --status draft` moves a scheduled piece back",
            content.fields.status
        );
    }
    let fields = transition(ctx, id, Status::Draft, |_, _, fields| {
        fields.review_note = Some(reason.to_string());
        Ok(())
    })?;
    ctx.note(format!(
        "content {id} is back in draft ({reason}): {}",
        fields.title
    ));
    Ok(())
}

fn schedule(ctx: &Context, id: i64, at: Option<&str>) -> Result<()> {
    let fields = transition(ctx, id, Status::Scheduled, |conn, content, fields| {
        // An explicit time wins; otherwise the slot's time, then the time already set.
        let time = match at {
            Some(_) => schedule_time(ctx, conn, content, at)?,
            None => match slot_start(conn, content)? {
                Some(start) => start,
                None => schedule_time(ctx, conn, content, None)?,
            },
        };
        fields.scheduled_for = Some(time);
        Ok(())
    })?;
    ctx.note(format!(
        "scheduled content {id} for {}: {}",
        when(ctx, fields.scheduled_for),
        fields.title
    ));
    Ok(())
}

fn publish(ctx: &Context, id: i64, at: Option<&str>, url: Option<String>) -> Result<()> {
    let tz = ctx.config.community.timezone;
    let published_at = match at {
        Some(text) => {
            dates::parse_datetime_loose(text, tz).with_context(|| format!("--at {text:?}"))?
        }
        None => Utc::now(),
    };
    let url = clearable(url.as_deref(), "--url", content::url)?;
    let fields = transition(ctx, id, Status::Published, |_, _, fields| {
        fields.published_at = Some(published_at);
        if url.is_some() {
            fields.url = url;
        }
        Ok(())
    })?;
    ctx.note(format!(
        "published content {id} at {}: {}",
        when(ctx, fields.published_at),
        fields.title
    ));
    Ok(())
}

fn archive(ctx: &Context, id: i64) -> Result<()> {
    let fields = transition(ctx, id, Status::Archived, |_, _, _| Ok(()))?;
    ctx.note(format!("archived content {id}: {}", fields.title));
    Ok(())
}

/// When approved content goes out: `--at`, else the time already set, else its slot's time.
fn schedule_time(
    ctx: &Context,
    conn: &rusqlite::Connection,
    content: &Content,
    at: Option<&str>,
) -> Result<DateTime<Utc>> {
    if let Some(text) = at {
        return dates::parse_datetime_loose(text, ctx.config.community.timezone)
            .with_context(|| format!("--at {text:?}"));
    }
    if let Some(time) = content.fields.scheduled_for {
        return Ok(time);
    }
    slot_start(conn, content)?.ok_or_else(|| {
        anyhow!(
            "content {id} has no time to go out at: pass --at \"YYYY-MM-DD HH:MM\"\nhint: or give it a slot (`community plan gaps`, then `community plan assign SLOT {id}`)",
            id = content.id
        )
    })
}

fn slot_start(conn: &rusqlite::Connection, content: &Content) -> Result<Option<DateTime<Utc>>> {
    Ok(match content.slot_id {
        Some(slot) => slots::get(conn, slot)?.map(|s| s.starts_at),
        None => None,
    })
}

fn stats(ctx: &Context, args: ContentStatsArgs) -> Result<()> {
    let numbers = [
        ("--views", &args.views),
        ("--likes", &args.likes),
        ("--comments", &args.comments),
        ("--shares", &args.shares),
    ];
    let mut conn = ctx.write_db()?;
    if numbers.iter().all(|(_, v)| v.is_none()) {
        if args.at.is_some() {
            bail!("--at needs numbers to record: pass --views, --likes, --comments or --shares");
        }
        store::load(&conn, args.id)?;
        let history: Vec<StatsRow> = store::stats_history(&conn, args.id)?
            .into_iter()
            .map(StatsRow::from)
            .collect();
        return crate::output::render_all(
            ctx.format,
            std::io::stdout().lock(),
            ctx.terminal,
            &history,
        );
    }
    let mut parsed = [None; 4];
    for (slot, (flag, value)) in parsed.iter_mut().zip(numbers) {
        *slot = value
            .as_deref()
            .map(|v| content::count(v).with_context(|| flag.to_string()))
            .transpose()?;
    }
    let day = match &args.at {
        Some(text) => {
            dates::parse_date(text, ctx.today).with_context(|| format!("--at {text:?}"))?
        }
        None => ctx.today,
    };
    let tx = conn.transaction()?;
    let content = store::load(&tx, args.id)?;
    if matches!(content.fields.status, Status::Idea | Status::Draft) {
        ctx.note(format!(
            "note: content {} is {}; recording reach anyway",
            args.id, content.fields.status
        ));
    }
    // A number not given keeps the value of the latest snapshot (so views can be updated alone).
    let before = content.stats.map(|(_, s)| s).unwrap_or_default();
    let [views, likes, comments, shares] = parsed;
    let snapshot = Stats {
        views: views.unwrap_or(before.views),
        likes: likes.unwrap_or(before.likes),
        comments: comments.unwrap_or(before.comments),
        shares: shares.unwrap_or(before.shares),
    };
    store::record_stats(&tx, args.id, day, &snapshot, &ctx.now())?;
    tx.commit()?;
    ctx.note(format!(
        "content {} on {day}: {} views, {} likes, {} comments, {} shares",
        args.id, snapshot.views, snapshot.likes, snapshot.comments, snapshot.shares
    ));
    Ok(())
}

fn import(ctx: &Context, args: &ContentImportArgs) -> Result<()> {
    let encoding = args
        .encoding
        .as_deref()
        .map(import::reader::encoding)
        .transpose()?;
    let rows = import::content::read(&args.file, encoding, ctx.config.community.timezone)?;
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let summary = import::content::apply(&tx, rows, args.on_conflict, ctx.today, &ctx.now())?;
    let verb = if args.dry_run {
        drop(tx);
        "would import"
    } else {
        tx.commit()?;
        "imported"
    };
    ctx.note(format!(
        "{verb} {} row(s) from {}: {} added, {} updated, {} unchanged, {} skipped; {} reach snapshot(s)",
        summary.rows,
        args.file,
        summary.added,
        summary.updated,
        summary.unchanged,
        summary.skipped,
        summary.snapshots
    ));
    Ok(())
}

/// A row of `report content`.
#[derive(Serialize)]
struct ReportRow {
    group: String,
    published: i64,
    views: i64,
    likes: i64,
    comments: i64,
    shares: i64,
    engagement: i64,
    engagement_rate: Option<f64>,
    views_per_item: i64,
    top_id: Option<i64>,
    top_title: Option<String>,
    top_views: Option<i64>,
}

impl Record for ReportRow {
    const COLUMNS: &'static [&'static str] = &[
        "group",
        "published",
        "views",
        "likes",
        "comments",
        "shares",
        "engagement",
        "engagement_rate",
        "views_per_item",
        "top_id",
        "top_title",
        "top_views",
    ];
}

impl ReportRow {
    fn new(group: String, tally: Tally) -> Self {
        let reach = tally.reach;
        let (top_id, top_title, top_views) = match tally.top {
            Some((id, title, views)) => (Some(id), Some(title), Some(views)),
            None => (None, None, None),
        };
        ReportRow {
            group,
            published: tally.published,
            views: reach.views,
            likes: reach.likes,
            comments: reach.comments,
            shares: reach.shares,
            engagement: reach.engagement(),
            engagement_rate: content::engagement_rate(reach.engagement(), reach.views),
            views_per_item: reach.views.checked_div(tally.published).unwrap_or(0),
            top_id,
            top_title,
            top_views,
        }
    }
}

/// `community report content`: published content grouped by kind, topic or month.
pub fn report(ctx: &Context, args: &ReportContentArgs) -> Result<ExitCode> {
    let tz = ctx.config.community.timezone;
    let bound = |text: &Option<String>, flag: &str, next: bool| -> Result<Option<DateTime<Utc>>> {
        text.as_deref()
            .map(|t| {
                let date =
                    dates::parse_date(t, ctx.today).with_context(|| format!("{flag} {t:?}"))?;
                let date = if next {
                    date.succ_opt().unwrap_or(date)
                } else {
                    date
                };
                local_midnight(date, tz)
            })
            .transpose()
    };
    let from = bound(&args.from, "--from", false)?;
    let until = bound(&args.until, "--until", true)?;
    let conn = ctx.read_db()?;
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    store::for_each_published(&conn, from, until, |item| {
        let key = match args.by {
            ContentGroup::Kind => item.kind.as_str().to_string(),
            ContentGroup::Topic => item.topic.clone().unwrap_or_default(),
            ContentGroup::Month => {
                dates::YearMonth::of(item.published_at.with_timezone(&tz).date_naive()).to_string()
            }
        };
        groups
            .entry(key)
            .or_default()
            .add(item.id, &item.title, item.stats);
        total.add(item.id, &item.title, item.stats);
        Ok(())
    })?;
    let mut rows: Vec<ReportRow> = groups
        .into_iter()
        .map(|(group, tally)| ReportRow::new(group, tally))
        .collect();
    // Kinds and topics read best biggest first; months in calendar order.
    if args.by != ContentGroup::Month {
        rows.sort_by_key(|r| std::cmp::Reverse((r.views, r.published)));
    }
    crate::output::render_all(ctx.format, std::io::stdout().lock(), ctx.terminal, &rows)?;
    let rate = content::engagement_rate(total.reach.engagement(), total.reach.views)
        .map_or("-".to_string(), |r| format!("{:.2}%", r * 100.0));
    ctx.note(format!(
        "total: {} published, {} views, engagement rate {rate}",
        total.published, total.reach.views
    ));
    Ok(ExitCode::SUCCESS)
}

fn parse_kind(text: &str) -> Result<Kind> {
    text.parse::<Kind>()
        .with_context(|| format!("--kind {text:?}"))
}

/// The instant local midnight of `date` is in `tz` (or the first instant of the day when
/// midnight falls in a daylight-saving gap).
fn local_midnight(date: NaiveDate, tz: chrono_tz::Tz) -> Result<DateTime<Utc>> {
    dates::parse_datetime_loose(&date.to_string(), tz).map_err(|e| anyhow!("{date}: {e}"))
}

/// An instant in the community's timezone for notes, or "never".
fn when(ctx: &Context, t: Option<DateTime<Utc>>) -> String {
    t.map_or("never".to_string(), |t| {
        t.with_timezone(&ctx.config.community.timezone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
}

/// An empty value clears an optional field; anything else must be valid.
fn clearable<T, E>(
    value: Option<&str>,
    flag: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => parse(v).map(Some).with_context(|| format!("{flag} {v:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    fn sample() -> Content {
        Content {
            id: 12,
            fields: Fields {
                title: "所有权与借用详解".into(),
                kind: Kind::Article,
                status: Status::Published,
                topic: Some("编程技术".into()),
                scheduled_for: None,
                published_at: Some(Utc::now()),
                url: Some("https://example.com/p/12".into()),
                review_note: None,
            },
            stats: Some((
                NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
                Stats {
                    views: 1200,
                    likes: 80,
                    comments: 15,
                    shares: 9,
                },
            )),
            slot_id: Some(3),
            created_at: "2026-11-23T00:00:00Z".into(),
            updated_at: "2026-11-23T00:00:00Z".into(),
        }
    }

    #[test]
    fn row_columns_match_their_fields() {
        let c = sample();
        let tz = chrono_tz::Asia::Shanghai;
        assert_columns(&ListRow::new(&c, tz));
        assert_columns(&FullRow {
            list: ListRow::new(&c, tz),
            review_note: None,
            created_at: "",
            updated_at: "",
        });
        assert_columns(&StatsRow::from(store::Snapshot {
            day: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            stats: Stats::default(),
            recorded_at: String::new(),
        }));
        let mut tally = Tally::default();
        tally.add(1, "a", Stats::default());
        assert_columns(&ReportRow::new("article".into(), tally));
    }
}
