//! `community member ...`: add, list, show, edit, remove, tag, untag, points, renew.
//!
//! Each verb validates its arguments, calls db/ inside one transaction, and hands rows to the
//! renderer. No SQL and no formatting here.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::NaiveDate;
use serde::Serialize;

use crate::cli::{
    MemberAddArgs, MemberCommand, MemberEditArgs, MemberFilterArgs, MemberPointsArgs,
    MemberRenewArgs, Redact, SortKey,
};
use crate::context::Context;
use crate::dates::{self, Span};
use crate::db::members::{self, Fields, Filter, Member, Sort};
use crate::member::{self, MemberRef, Status};
use crate::output::Record;
use crate::{config::Config, prompt};

pub fn run(ctx: &Context, command: MemberCommand) -> Result<ExitCode> {
    match command {
        MemberCommand::Add(args) => add(ctx, args),
        MemberCommand::List(args) => list(ctx, &args.filter),
        MemberCommand::Show { member } => show(ctx, &member),
        MemberCommand::Edit(args) => edit(ctx, args),
        MemberCommand::Remove { member } => remove(ctx, &member),
        MemberCommand::Tag { member, tags } => tag(ctx, &member, &tags, true),
        MemberCommand::Untag { member, tags } => tag(ctx, &member, &tags, false),
        MemberCommand::Points(args) => points(ctx, args),
        MemberCommand::Renew(args) => renew(ctx, args),
        MemberCommand::Import(args) => super::member_io::import(ctx, args),
        MemberCommand::Export(args) => super::member_io::export(ctx, &args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// A row of `member list`: what fits a terminal and answers "who is this, are they paying".
#[derive(Serialize)]
struct ListRow<'a> {
    id: i64,
    name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    wechat: Option<&'a str>,
    tier: &'a str,
    status: Status,
    joined_at: NaiveDate,
    expires_at: Option<NaiveDate>,
    source: Option<&'a str>,
    tags: String,
    points: i64,
}

impl Record for ListRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "email",
        "phone",
        "wechat",
        "tier",
        "status",
        "joined_at",
        "expires_at",
        "source",
        "tags",
        "points",
    ];
}

impl<'a> From<&'a Member> for ListRow<'a> {
    fn from(m: &'a Member) -> Self {
        let f = &m.fields;
        ListRow {
            id: m.id,
            name: &f.name,
            email: f.email.as_deref(),
            phone: f.phone.as_deref(),
            wechat: f.wechat.as_deref(),
            tier: &f.tier,
            status: m.status,
            joined_at: f.joined_at,
            expires_at: f.expires_at,
            source: f.source.as_deref(),
            tags: m.tags.join(";"),
            points: m.points,
        }
    }
}

/// Every field of a member, flat: `member show` and `member export` print this.
#[derive(Serialize)]
pub struct FullRow<'a> {
    id: i64,
    name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    wechat: Option<&'a str>,
    tier: &'a str,
    status: Status,
    joined_at: NaiveDate,
    expires_at: Option<NaiveDate>,
    left_at: Option<NaiveDate>,
    source: Option<&'a str>,
    source_id: Option<&'a str>,
    tags: String,
    points: i64,
    note: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
}

impl Record for FullRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "email",
        "phone",
        "wechat",
        "tier",
        "status",
        "joined_at",
        "expires_at",
        "left_at",
        "source",
        "source_id",
        "tags",
        "points",
        "note",
        "created_at",
        "updated_at",
    ];
}

impl<'a> From<&'a Member> for FullRow<'a> {
    fn from(m: &'a Member) -> Self {
        let f = &m.fields;
        FullRow {
            id: m.id,
            name: &f.name,
            email: f.email.as_deref(),
            phone: f.phone.as_deref(),
            wechat: f.wechat.as_deref(),
            tier: &f.tier,
            status: m.status,
            joined_at: f.joined_at,
            expires_at: f.expires_at,
            left_at: f.left_at,
            source: f.source.as_deref(),
            source_id: f.source_id.as_deref(),
            tags: m.tags.join(";"),
            points: m.points,
            note: f.note.as_deref(),
            created_at: &m.created_at,
            updated_at: &m.updated_at,
        }
    }
}

impl FullRow<'_> {
    /// Empties the fields `--redact` names; the columns stay.
    pub fn redact(&mut self, fields: &[Redact]) {
        let named = |field: Redact| {
            fields.iter().any(|f| {
                *f == field
                    || *f == Redact::All
                    || (*f == Redact::Contact
                        && matches!(field, Redact::Email | Redact::Phone | Redact::Wechat))
            })
        };
        if named(Redact::Email) {
            self.email = None;
        }
        if named(Redact::Phone) {
            self.phone = None;
        }
        if named(Redact::Wechat) {
            self.wechat = None;
        }
        if named(Redact::SourceId) {
            self.source_id = None;
        }
        if named(Redact::Name) {
            self.name = "";
        }
        if named(Redact::Note) {
            self.note = None;
        }
    }
}

/// A points ledger entry, with the balance right after it.
#[derive(Serialize)]
struct PointsRow {
    id: i64,
    delta: i64,
    balance: i64,
    reason: String,
    created_at: String,
}

impl Record for PointsRow {
    const COLUMNS: &'static [&'static str] = &["id", "delta", "balance", "reason", "created_at"];
}

fn add(ctx: &Context, args: MemberAddArgs) -> Result<()> {
    let config = &ctx.config;
    let name = prompt::required(ctx, args.name, "--name", "Name")?;
    let name = member::name(&name)?;
    let (mut email, mut phone, mut wechat) = (args.email, args.phone, args.wechat);
    if email.is_none() && phone.is_none() && wechat.is_none() && args.source_id.is_none() {
        email = prompt::optional(ctx, None, "Email")?;
        phone = prompt::optional(ctx, None, "Phone")?;
        wechat = prompt::optional(ctx, None, "WeChat ID")?;
    }
    let tiers = config.tier_names();
    let default_index = tiers
        .iter()
        .position(|t| *t == config.default_tier().name())
        .unwrap_or(0);
    let tier = prompt::choose(ctx, args.tier, "Tier", &tiers, default_index)?;
    let tier = tier_name(
        config,
        tier.as_deref().unwrap_or(config.default_tier().name()),
    )?;
    let status: Status = args.status.parse()?;
    let joined_at =
        optional_date(args.joined.as_deref(), "--joined", ctx.today)?.unwrap_or(ctx.today);
    let expires_at = match optional_date(args.expires.as_deref(), "--expires", ctx.today)? {
        Some(date) => Some(date),
        None => one_period_after(config, &tier, joined_at),
    };
    let fields = Fields {
        name,
        email: email.as_deref().map(member::email).transpose()?,
        phone: phone.as_deref().map(member::phone).transpose()?,
        wechat: wechat.as_deref().map(member::wechat).transpose()?,
        source: clean(args.source),
        source_id: clean(args.source_id),
        tier,
        status,
        joined_at,
        expires_at,
        left_at: None,
        note: clean(args.note),
    };
    check_identity(&fields)?;
    let tags = valid_tags(&args.tags)?;

    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    if let Some(conflict) = members::find_conflict(&tx, &fields, None)? {
        bail!(
            "{conflict}\nhint: `community member show id:{}` shows them; `member edit` changes them",
            conflict.member_id
        );
    }
    let now = ctx.now();
    let id = members::insert(&tx, &fields, &now)?;
    members::add_tags(&tx, id, &tags, &now)?;
    tx.commit()?;
    println!("{id}");
    ctx.note(format!("added member {id}: {}", describe(&fields)));
    Ok(())
}

fn list(ctx: &Context, args: &MemberFilterArgs) -> Result<()> {
    let filter = filter(ctx, args)?;
    let conn = ctx.read_db()?;
    let mut out = ctx.renderer::<ListRow>()?;
    members::for_each(&conn, &filter, ctx.today, |m| out.write(&ListRow::from(&m)))?;
    out.finish()
}

/// Turns `member list` flags into a validated filter.
pub fn filter(ctx: &Context, args: &MemberFilterArgs) -> Result<Filter> {
    let date = |text: &Option<String>, flag: &str| optional_date(text.as_deref(), flag, ctx.today);
    let expiring_by = args
        .expiring_within
        .as_deref()
        .map(|text| -> Result<NaiveDate> {
            let span: Span = text
                .parse()
                .with_context(|| format!("--expiring-within {text:?}"))?;
            span.add_to(ctx.today)
                .ok_or_else(|| anyhow!("--expiring-within {text:?} reaches past the calendar"))
        })
        .transpose()?;
    Ok(Filter {
        tier: args
            .tier
            .as_deref()
            .map(|t| tier_name(&ctx.config, t))
            .transpose()?,
        status: args.status.as_deref().map(str::parse).transpose()?,
        tags: valid_tags(&args.tags)?,
        source: args.source.clone(),
        search: args.search.clone().filter(|s| !s.is_empty()),
        joined_after: date(&args.joined_after, "--joined-after")?,
        joined_before: date(&args.joined_before, "--joined-before")?,
        expiring_by,
        sort: match args.sort {
            SortKey::Id => Sort::Id,
            SortKey::Name => Sort::Name,
            SortKey::Email => Sort::Email,
            SortKey::Tier => Sort::Tier,
            SortKey::Status => Sort::Status,
            SortKey::JoinedAt => Sort::JoinedAt,
            SortKey::ExpiresAt => Sort::ExpiresAt,
            SortKey::Points => Sort::Points,
        },
        descending: args.desc,
        limit: args.limit,
    })
}

fn show(ctx: &Context, reference: &str) -> Result<()> {
    let conn = ctx.read_db()?;
    let member = load(&conn, ctx, reference)?;
    let history = members::points_history(&conn, member.id, 10)?;
    let history = with_balances(member.points, history);
    #[derive(Serialize)]
    struct Detail<'a> {
        #[serde(flatten)]
        member: FullRow<'a>,
        tag_list: &'a [String],
        recent_points: Vec<PointsRow>,
    }
    crate::output::show(
        ctx.format,
        ctx.terminal,
        &Detail {
            member: FullRow::from(&member),
            tag_list: &member.tags,
            recent_points: history,
        },
    )
}

fn edit(ctx: &Context, args: MemberEditArgs) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let member = load(&tx, ctx, &args.member)?;
    let mut fields = member.fields.clone();
    let mut changed = false;
    let mut set = |flag: &str,
                   value: Option<String>,
                   apply: &mut dyn FnMut(&str) -> Result<()>|
     -> Result<()> {
        if let Some(value) = value {
            apply(value.as_str()).with_context(|| format!("{flag} {value:?}"))?;
            changed = true;
        }
        Ok(())
    };
    let today = ctx.today;
    set("--name", args.name, &mut |v| {
        fields.name = member::name(v)?;
        Ok(())
    })?;
    set("--email", args.email, &mut |v| {
        fields.email = clearable(v, member::email)?;
        Ok(())
    })?;
    set("--phone", args.phone, &mut |v| {
        fields.phone = clearable(v, member::phone)?;
        Ok(())
    })?;
    set("--wechat", args.wechat, &mut |v| {
        fields.wechat = clearable(v, member::wechat)?;
        Ok(())
    })?;
    set("--tier", args.tier, &mut |v| {
        fields.tier = tier_name(&ctx.config, v)?;
        Ok(())
    })?;
    set("--status", args.status, &mut |v| {
        let status: Status = v.parse()?;
        if status == Status::Cancelled
            && fields.status != Status::Cancelled
            && fields.left_at.is_none()
        {
            fields.left_at = Some(today);
        }
        fields.status = status;
        Ok(())
    })?;
    set("--joined", args.joined, &mut |v| {
        fields.joined_at = dates::parse_date(v, today)?;
        Ok(())
    })?;
    set("--expires", args.expires, &mut |v| {
        fields.expires_at = clearable(v, |d| dates::parse_date(d, today))?;
        Ok(())
    })?;
    set("--left", args.left, &mut |v| {
        fields.left_at = clearable(v, |d| dates::parse_date(d, today))?;
        Ok(())
    })?;
    set("--source", args.source, &mut |v| {
        fields.source = clean(Some(v.to_string()));
        Ok(())
    })?;
    set("--source-id", args.source_id, &mut |v| {
        fields.source_id = clean(Some(v.to_string()));
        Ok(())
    })?;
    set("--note", args.note, &mut |v| {
        fields.note = clean(Some(v.to_string()));
        Ok(())
    })?;
    if !changed {
        bail!(
            "nothing to change: pass at least one of --name, --email, --phone, --wechat, --tier, --status, --joined, --expires, --left, --source, --source-id, --note"
        );
    }
    check_identity(&fields)?;
    if fields.source_id.is_some() && fields.source.is_none() {
        bail!("--source-id needs a --source (the platform the id belongs to)");
    }
    if fields == member.fields {
        ctx.note(format!("member {} unchanged", member.id));
        return Ok(());
    }
    if let Some(conflict) = members::find_conflict(&tx, &fields, Some(member.id))? {
        bail!("{conflict}");
    }
    members::update(&tx, member.id, &fields, &ctx.now())?;
    tx.commit()?;
    ctx.note(format!(
        "updated member {}: {}",
        member.id,
        describe(&fields)
    ));
    Ok(())
}

fn remove(ctx: &Context, reference: &str) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let member = load(&conn, ctx, reference)?;
    prompt::confirm(
        ctx,
        &format!(
            "Remove member {} ({}) with their tags and {} points?",
            member.id,
            describe(&member.fields),
            member.points
        ),
    )?;
    let tx = conn.transaction()?;
    members::delete(&tx, member.id)?;
    tx.commit()?;
    ctx.note(format!(
        "removed member {}: {}",
        member.id,
        describe(&member.fields)
    ));
    Ok(())
}

fn tag(ctx: &Context, reference: &str, tags: &[String], add: bool) -> Result<()> {
    let tags = valid_tags(tags)?;
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let id = resolve(&tx, reference)?;
    let now = ctx.now();
    let count = if add {
        members::add_tags(&tx, id, &tags, &now)?
    } else {
        members::remove_tags(&tx, id, &tags, &now)?
    };
    tx.commit()?;
    let verb = if add { "added" } else { "removed" };
    ctx.note(format!(
        "{verb} {count} of {} tag(s) on member {id}",
        tags.len()
    ));
    Ok(())
}

fn points(ctx: &Context, args: MemberPointsArgs) -> Result<()> {
    let (delta, reason) = match (&args.rule, &args.delta) {
        (Some(rule), _) => {
            let delta = *ctx.config.points.rules.get(rule).ok_or_else(|| {
                let known: Vec<&str> = ctx.config.points.rules.keys().map(String::as_str).collect();
                anyhow!(
                    "no points rule {rule:?} in [points.rules]; rules are: {}",
                    if known.is_empty() {
                        "(none)".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            })?;
            (
                Some(delta),
                Some(args.reason.clone().unwrap_or_else(|| rule.clone())),
            )
        }
        (None, Some(text)) => (Some(parse_delta(text)?), args.reason.clone()),
        (None, None) => (None, None),
    };
    let mut conn = ctx.write_db()?;
    if let Some(delta) = delta {
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                anyhow!("missing --reason: say why the points change (or use --rule NAME)")
            })?;
        let tx = conn.transaction()?;
        let id = resolve(&tx, &args.member)?;
        let balance = members::add_points(&tx, id, delta, &reason, &ctx.now())?;
        tx.commit()?;
        ctx.note(format!(
            "member {id}: {delta:+} points ({reason}); balance {balance}"
        ));
        return Ok(());
    }
    let id = resolve(&conn, &args.member)?;
    let balance = members::points_balance(&conn, id)?;
    let history = with_balances(balance, members::points_history(&conn, id, args.history)?);
    ctx.note(format!("member {id}: balance {balance} points"));
    crate::output::render_all(ctx.format, std::io::stdout().lock(), ctx.terminal, &history)
}

fn renew(ctx: &Context, args: MemberRenewArgs) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let member = load(&tx, ctx, &args.member)?;
    let tier = ctx
        .config
        .tier(&member.fields.tier)
        .ok_or_else(|| anyhow!("member {} is on tier {:?}, which community.toml no longer has; `member edit {} --tier NAME` first", member.id, member.fields.tier, member.id))?;
    let months = match args.months {
        Some(months) => months,
        None if !tier.is_paid() => bail!(
            "tier {:?} is free and does not expire; pass --months to set an expiry anyway",
            tier.name()
        ),
        None => tier.period.months().ok_or_else(|| {
            anyhow!(
                "tier {:?} is paid once for life; pass --months to set an expiry anyway",
                tier.name()
            )
        })?,
    };
    let mut fields = member.fields.clone();
    // Time already paid for is kept: renewing early extends from the current expiry.
    let start = fields.expires_at.map_or(ctx.today, |e| e.max(ctx.today));
    let until = dates::add_months(start, months)
        .ok_or_else(|| anyhow!("--months {months} reaches past the calendar"))?;
    fields.expires_at = Some(until);
    if fields.status != Status::Comped {
        fields.status = Status::Active;
    }
    fields.left_at = None;
    members::update(&tx, member.id, &fields, &ctx.now())?;
    super::revenue::record_renewal(ctx, &tx, member.id, start, months, &args.payment)?;
    tx.commit()?;
    let was = member
        .fields
        .expires_at
        .map_or("never".to_string(), |d| d.to_string());
    ctx.note(format!(
        "renewed member {} ({}) for {months} month(s): expires {until} (was {was})",
        member.id,
        describe(&fields)
    ));
    Ok(())
}

fn resolve(conn: &rusqlite::Connection, reference: &str) -> Result<i64> {
    let parsed: MemberRef = reference.parse()?;
    members::resolve(conn, &parsed)
}

fn load(conn: &rusqlite::Connection, ctx: &Context, reference: &str) -> Result<Member> {
    let id = resolve(conn, reference)?;
    members::get(conn, id, ctx.today)?
        .ok_or_else(|| anyhow!("member {id} vanished while reading it"))
}

/// The canonical name of a configured tier, or an error listing the tiers.
fn tier_name(config: &Config, name: &str) -> Result<String> {
    config
        .tier(name.trim())
        .map(|t| t.name().to_string())
        .ok_or_else(|| {
            anyhow!(
                "unknown tier {name:?}; tiers are: {}",
                config.tier_names().join(", ")
            )
        })
}

/// The default expiry of a new member: one billing period after joining, for paid tiers.
fn one_period_after(config: &Config, tier: &str, joined: NaiveDate) -> Option<NaiveDate> {
    let tier = config.tier(tier).filter(|t| t.is_paid())?;
    dates::add_months(joined, tier.period.months()?)
}

fn optional_date(text: Option<&str>, flag: &str, today: NaiveDate) -> Result<Option<NaiveDate>> {
    text.map(|t| dates::parse_date(t, today).with_context(|| format!("{flag} {t:?}")))
        .transpose()
}

fn check_identity(fields: &Fields) -> Result<()> {
    if fields.email.is_none()
        && fields.phone.is_none()
        && fields.wechat.is_none()
        && fields.source_id.is_none()
    {
        bail!("a member needs at least one of --email, --phone, --wechat or --source-id");
    }
    Ok(())
}

fn valid_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for raw in tags {
        let tag = member::tag(raw)?;
        if !out.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// Trims, and treats an empty value as absent.
fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// An empty value clears an optional field; anything else must be valid.
fn clearable<T, E>(value: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Option<T>, E> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}

/// `+20`, `20` or `-50`: a non-zero number of points.
fn parse_delta(text: &str) -> Result<i64> {
    let delta: i64 = text
        .trim()
        .parse()
        .map_err(|_| anyhow!("invalid points {text:?}: expected a whole number like +20 or -50"))?;
    if delta == 0 || delta.unsigned_abs() > 1_000_000_000 {
        bail!("invalid points {text:?}: expected a non-zero number up to 1000000000");
    }
    Ok(delta)
}

/// Pairs each ledger entry (newest first) with the balance just after it.
fn with_balances(balance: i64, entries: Vec<members::PointsEntry>) -> Vec<PointsRow> {
    let mut after = balance;
    entries
        .into_iter()
        .map(|e| {
            let row = PointsRow {
                id: e.id,
                delta: e.delta,
                balance: after,
                reason: e.reason,
                created_at: e.created_at,
            };
            after -= e.delta;
            row
        })
        .collect()
}

/// `李雷 <li@example.com>`, or the first identifier a member has.
fn describe(fields: &Fields) -> String {
    let contact = fields
        .email
        .as_ref()
        .or(fields.wechat.as_ref())
        .or(fields.phone.as_ref())
        .or(fields.source_id.as_ref());
    match contact {
        Some(c) => format!("{} <{c}>", fields.name),
        None => fields.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    fn sample() -> Member {
        Member {
            id: 1,
            fields: Fields {
                name: "李雷".into(),
                email: Some("li@example.com".into()),
                phone: None,
                wechat: None,
                source: None,
                source_id: None,
                tier: "pro".into(),
                status: Status::Active,
                joined_at: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                expires_at: None,
                left_at: None,
                note: None,
            },
            status: Status::Active,
            tags: vec!["ai".into(), "rust".into()],
            points: 5,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn row_columns_match_their_fields() {
        let m = sample();
        assert_columns(&ListRow::from(&m));
        assert_columns(&FullRow::from(&m));
    }

    #[test]
    fn points_deltas_must_be_nonzero_whole_numbers() {
        assert_eq!(parse_delta("+20").unwrap(), 20);
        assert_eq!(parse_delta("-50").unwrap(), -50);
        for bad in ["0", "1.5", "abc", "", "99999999999"] {
            assert!(parse_delta(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn balances_run_backwards_from_the_current_one() {
        let entry = |id, delta| members::PointsEntry {
            id,
            delta,
            reason: String::new(),
            created_at: String::new(),
        };
        let rows = with_balances(70, vec![entry(3, -50), entry(2, 100), entry(1, 20)]);
        let balances: Vec<i64> = rows.iter().map(|r| r.balance).collect();
        assert_eq!(balances, [70, 120, 20]);
    }
}
