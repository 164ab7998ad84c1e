//! `report members|growth|cohorts|churn|leaderboard|engagement`: the member reports. Counts
//! come grouped from `db::metrics` (and members at a date from `db::series`, the rule the
//! forecasts use); the arithmetic is in the pure `metrics.rs` and `revenue.rs`. No SQL and no
//! formatting here beyond choosing columns.
//!
//! Every figure is defined in README ("Reports and the summary").

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{NaiveDate, TimeZone as _};
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::{
    MemberGroup, MonthRangeArgs, RankBy, ReportChurnArgs, ReportCohortsArgs, ReportEngagementArgs,
    ReportGrowthArgs, ReportLeaderboardArgs, ReportMembersArgs, ReportScopeArgs,
};
use crate::context::Context;
use crate::dates::{self, YearMonth};
use crate::db::metrics::{self, Flow, Group, Scope};
use crate::db::payments;
use crate::member::Status;
use crate::metrics::{
    active_at, cohorts as cohort_table, month_flows, months_between, percent, percent_u,
};
use crate::money::Money;
use crate::output::Record;
use crate::revenue::{divide_rounded, month_index, mrr_by_month};

pub(super) fn scope(args: &ReportScopeArgs) -> Scope {
    Scope {
        tier: args.tier.clone(),
        source: args.source.clone(),
        tags: args.tags.clone(),
    }
}

fn date(ctx: &Context, text: Option<&str>, flag: &str) -> Result<Option<NaiveDate>> {
    text.map(|t| dates::parse_date(t, ctx.today).with_context(|| format!("{flag} {t:?}")))
        .transpose()
}

/// The months of a monthly report: `--since` to `--until`, by default the twelve months up
/// to this one; never past today's month, as nothing has happened there yet.
pub(super) fn months(ctx: &Context, range: &MonthRangeArgs) -> Result<Vec<YearMonth>> {
    let now = YearMonth::of(ctx.today);
    let until = date(ctx, range.until.as_deref(), "--until")?.map_or(now, YearMonth::of);
    let since = match date(ctx, range.since.as_deref(), "--since")? {
        Some(d) => YearMonth::of(d),
        None => YearMonth::of(
            dates::sub_months(now.first_day(), 11)
                .ok_or_else(|| anyhow!("--today {} is too early for a report", ctx.today))?,
        ),
    };
    if since > until {
        bail!("--since {since} is after --until {until}");
    }
    Ok(months_between(since, until.min(now)))
}

/// The day a month's "end" stands for: its last day, or today for the month of today.
fn month_end(ctx: &Context, month: YearMonth) -> NaiveDate {
    month.last_day().min(ctx.today)
}

pub(super) fn members(ctx: &Context, args: &ReportMembersArgs) -> Result<()> {
    let joined = (
        date(ctx, args.since.as_deref(), "--since")?,
        date(ctx, args.until.as_deref(), "--until")?,
    );
    let (group, key) = match args.by {
        MemberGroup::Tier => (Group::Tier, "tier"),
        MemberGroup::Status => (Group::Status, "status"),
        MemberGroup::Source => (Group::Source, "source"),
        MemberGroup::Tag => (Group::Tag, "tag"),
    };
    let conn = ctx.read_db()?;
    let counts = metrics::members_by(&conn, group, &scope(&args.scope), joined, ctx.today)?;
    // Rows keyed by the group's value; by status, each status has its row.
    let mut rows: Vec<(Option<String>, [u64; 3])> = Vec::new();
    if group == Group::Status {
        rows = Status::ALL
            .iter()
            .map(|s| (Some(s.as_str().to_string()), [0; 3]))
            .collect();
    }
    let mut everyone = 0;
    for c in &counts {
        let key = match group {
            Group::Status => Some(c.status.as_str().to_string()),
            _ => c.key.clone(),
        };
        let with_access = matches!(
            c.status,
            Status::Trial | Status::Active | Status::Cancelled | Status::Comped
        );
        let paying = matches!(c.status, Status::Active | Status::Cancelled)
            && ctx.config.tier(&c.tier).is_some_and(|t| t.is_paid());
        let index = match rows.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                rows.push((key, [0; 3]));
                rows.len() - 1
            }
        };
        let figures = &mut rows[index].1;
        figures[0] += c.members;
        figures[1] += if with_access { c.members } else { 0 };
        figures[2] += if paying { c.members } else { 0 };
    }
    if group == Group::Tag {
        // A member with several tags is in several rows; the share is of the members.
        everyone =
            metrics::members_by(&conn, Group::Status, &scope(&args.scope), joined, ctx.today)?
                .iter()
                .map(|c| c.members)
                .sum();
    } else {
        everyone += rows.iter().map(|(_, f)| f[0]).sum::<u64>();
    }
    if group != Group::Status {
        rows.sort_by(|a, b| b.1[0].cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
    }
    let columns = [key, "members", "share_pct", "with_access", "paying"];
    let mut out = ctx.renderer_with_columns(columns.iter().map(|c| c.to_string()).collect())?;
    for (key, [n, access, paying]) in rows {
        out.write_values(&[
            key.map_or(Value::Null, Value::from),
            n.into(),
            percent_u(n, everyone).map_or(Value::Null, Value::from),
            access.into(),
            paying.into(),
        ])?;
    }
    out.finish()
}

#[derive(Serialize)]
struct GrowthRow {
    month: YearMonth,
    new: u64,
    churned: u64,
    net: i64,
    active_end: u64,
    growth_pct: Option<String>,
}

impl Record for GrowthRow {
    const COLUMNS: &'static [&'static str] =
        &["month", "new", "churned", "net", "active_end", "growth_pct"];
}

/// Members with access at the end of the month before each of `months` and at the end of
/// each, summed from the flows: one scan of the members instead of one per date. A unit test
/// in db::metrics holds these sums equal to `series::members_at`, the forecasts' rule.
fn active_at_ends(flows: &[Flow], months: &[YearMonth]) -> Vec<u64> {
    let at = |month: YearMonth| active_at(flows, month);
    let before = months.first().and_then(|m| m.prev());
    std::iter::once(before.map_or(0, at))
        .chain(months.iter().map(|m| at(*m)))
        .collect()
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn growth(ctx: &Context, args: &ReportGrowthArgs) -> Result<()> {
    let months = months(ctx, &args.range)?;
    let scope = scope(&args.scope);
    let conn = ctx.read_db()?;
    let all = metrics::flows(&conn, &scope, ctx.today)?;
    let flows = month_flows(&all, &months);
    let active = active_at_ends(&all, &months);
    let mut out = ctx.renderer::<GrowthRow>()?;
    for (i, (month, f)) in months.iter().zip(&flows).enumerate() {
        let net = signed(f.new) - signed(f.churned);
        out.write(&GrowthRow {
            month: *month,
            new: f.new,
            churned: f.churned,
            net,
            active_end: active[i + 1],
            growth_pct: percent(net, signed(active[i])),
        })?;
    }
    out.finish()
}

pub(super) fn cohorts(ctx: &Context, args: &ReportCohortsArgs) -> Result<()> {
    let months = months(ctx, &args.range)?;
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        bail!("no months to report");
    };
    let conn = ctx.read_db()?;
    let flows = metrics::flows(&conn, &scope(&args.scope), ctx.today)?;
    let table = cohort_table(&flows, *first, *last, YearMonth::of(ctx.today));
    let span = table.iter().map(|c| c.retained.len()).max().unwrap_or(1);
    let mut columns = vec!["cohort".to_string(), "members".to_string()];
    columns.extend((0..span).map(|k| format!("m{k}")));
    let mut out = ctx.renderer_with_columns(columns)?;
    for cohort in table {
        let mut row = vec![json!(cohort.joined), json!(cohort.size)];
        row.extend((0..span).map(|k| match cohort.retained.get(k) {
            None => Value::Null,
            Some(&n) if args.counts => n.into(),
            Some(&n) => percent_u(n, cohort.size).map_or(Value::Null, Value::from),
        }));
        out.write_values(&row)?;
    }
    out.finish()
}

#[derive(Serialize)]
struct ChurnRow {
    month: YearMonth,
    active_start: u64,
    churned: u64,
    lost_from_start: u64,
    logo_churn_pct: Option<String>,
    mrr_start: Option<String>,
    mrr_lost: String,
    revenue_churn_pct: Option<String>,
    mrr_per_member: Option<String>,
    ltv: Option<String>,
}

impl Record for ChurnRow {
    const COLUMNS: &'static [&'static str] = &[
        "month",
        "active_start",
        "churned",
        "lost_from_start",
        "logo_churn_pct",
        "mrr_start",
        "mrr_lost",
        "revenue_churn_pct",
        "mrr_per_member",
        "ltv",
    ];
}

pub(super) fn churn(ctx: &Context, args: &ReportChurnArgs) -> Result<()> {
    let months = months(ctx, &args.range)?;
    let (Some(first), Some(last)) = (months.first().copied(), months.last().copied()) else {
        bail!("no months to report");
    };
    let scope = scope(&args.scope);
    let currency = &ctx.config.community.currency;
    let conn = ctx.read_db()?;
    let all = metrics::flows(&conn, &scope, ctx.today)?;
    let flows = month_flows(&all, &months);
    let active = active_at_ends(&all, &months);
    // The MRR each month starts with is the previous month's; it is the whole community's,
    // so with a member filter there is no start to compare the lost MRR with.
    let mrr_start: Vec<Option<Money>> = if scope.is_everyone() {
        let (a, b) = (month_index(first) - 1, month_index(last) - 1);
        mrr_by_month(&payments::mrr_steps(&conn, a, b)?, a, b)
            .into_iter()
            .map(|(_, m)| Some(m))
            .collect()
    } else {
        vec![None; months.len()]
    };
    let lost_by_month =
        metrics::churned_mrr(&conn, &scope, first.first_day(), month_end(ctx, last))?;
    let mut out = ctx.renderer::<ChurnRow>()?;
    for (i, month) in months.iter().enumerate() {
        let lost = lost_by_month
            .iter()
            .find(|(m, _)| m == month)
            .map_or(Money::ZERO, |(_, lost)| *lost);
        let f = flows[i];
        let start = mrr_start[i];
        let per_member = start.and_then(|m| divide_rounded(m, signed(active[i])));
        // LTV = (MRR per member) / (monthly logo churn rate), in minor units, rounded.
        let ltv = per_member.and_then(|m| {
            let churned = signed(f.churned_from_start);
            let active = signed(active[i]);
            (churned > 0).then(|| {
                let value = i128::from(m.minor()) * i128::from(active);
                let rounded = (value * 2 + i128::from(churned)) / (i128::from(churned) * 2);
                i64::try_from(rounded).ok().map(Money::from_minor)
            })?
        });
        out.write(&ChurnRow {
            month: *month,
            active_start: active[i],
            churned: f.churned,
            lost_from_start: f.churned_from_start,
            logo_churn_pct: percent_u(f.churned_from_start, active[i]),
            mrr_start: start.map(|m| m.to_decimal(currency)),
            mrr_lost: lost.to_decimal(currency),
            revenue_churn_pct: start.and_then(|m| percent(lost.minor(), m.minor())),
            mrr_per_member: per_member.map(|m| m.to_decimal(currency)),
            ltv: ltv.map(|m| m.to_decimal(currency)),
        })?;
    }
    out.finish()
}

#[derive(Serialize)]
struct LeaderRow {
    rank: u64,
    member_id: i64,
    name: String,
    tier: String,
    points_this_month: i64,
    points_all_time: i64,
    balance: i64,
}

impl Record for LeaderRow {
    const COLUMNS: &'static [&'static str] = &[
        "rank",
        "member_id",
        "name",
        "tier",
        "points_this_month",
        "points_all_time",
        "balance",
    ];
}

/// The instant a day began in the community's timezone, as the ledger stamps time.
fn day_start_utc(ctx: &Context, day: NaiveDate) -> Result<String> {
    let local = day
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| anyhow!("midnight of {day}"))?;
    let instant = ctx
        .config
        .community
        .timezone
        .from_local_datetime(&local)
        .earliest()
        .ok_or_else(|| anyhow!("{day} 00:00 does not exist in the community's timezone"))?;
    Ok(dates::format_timestamp(instant.to_utc()))
}

pub(super) fn leaderboard(ctx: &Context, args: &ReportLeaderboardArgs) -> Result<()> {
    let month = YearMonth::of(ctx.today);
    let since = day_start_utc(ctx, month.first_day())?;
    let next = month
        .next()
        .ok_or_else(|| anyhow!("{month} is the last month of the calendar"))?;
    let until = day_start_utc(ctx, next.first_day())?;
    let conn = ctx.read_db()?;
    let leaders = metrics::leaderboard(
        &conn,
        &scope(&args.scope),
        (&since, &until),
        args.rank_by == RankBy::Month,
        args.top,
    )?;
    let mut out = ctx.renderer::<LeaderRow>()?;
    for (i, l) in leaders.into_iter().enumerate() {
        out.write(&LeaderRow {
            rank: i as u64 + 1,
            member_id: l.member_id,
            name: l.name,
            tier: l.tier,
            points_this_month: l.earned_recently,
            points_all_time: l.earned_total,
            balance: l.balance,
        })?;
    }
    out.finish()
}

#[derive(Serialize)]
struct AtRiskRow {
    member_id: i64,
    name: String,
    email: Option<String>,
    wechat: Option<String>,
    tier: String,
    status: &'static str,
    joined_at: NaiveDate,
    expires_at: Option<NaiveDate>,
    last_points_at: Option<String>,
    last_enrolled_on: Option<NaiveDate>,
    last_paid_on: Option<NaiveDate>,
}

impl Record for AtRiskRow {
    const COLUMNS: &'static [&'static str] = &[
        "member_id",
        "name",
        "email",
        "wechat",
        "tier",
        "status",
        "joined_at",
        "expires_at",
        "last_points_at",
        "last_enrolled_on",
        "last_paid_on",
    ];
}

pub(super) fn engagement(ctx: &Context, args: &ReportEngagementArgs) -> Result<()> {
    // Quiet for N days: nothing on the N days up to and including today.
    let quiet_since = ctx
        .today
        .checked_sub_days(chrono::Days::new(u64::from(args.days) - 1))
        .ok_or_else(|| anyhow!("--days {} reaches before the calendar", args.days))?;
    let conn = ctx.read_db()?;
    let mut out = ctx.renderer::<AtRiskRow>()?;
    metrics::at_risk(
        &conn,
        &scope(&args.scope),
        ctx.today,
        quiet_since,
        args.limit,
        |m| {
            out.write(&AtRiskRow {
                member_id: m.id,
                name: m.name,
                email: m.email,
                wechat: m.wechat,
                tier: m.tier,
                status: m.status.as_str(),
                joined_at: m.joined_at,
                expires_at: m.expires_at,
                last_points_at: m.last_points,
                last_enrolled_on: m.last_enrolled,
                last_paid_on: m.last_payment,
            })
        },
    )?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    #[test]
    fn row_columns_match_their_fields() {
        let month = YearMonth::new(2026, 1).unwrap();
        assert_columns(&GrowthRow {
            month,
            new: 0,
            churned: 0,
            net: 0,
            active_end: 0,
            growth_pct: None,
        });
        assert_columns(&ChurnRow {
            month,
            active_start: 0,
            churned: 0,
            lost_from_start: 0,
            logo_churn_pct: None,
            mrr_start: None,
            mrr_lost: String::new(),
            revenue_churn_pct: None,
            mrr_per_member: None,
            ltv: None,
        });
        assert_columns(&LeaderRow {
            rank: 1,
            member_id: 1,
            name: String::new(),
            tier: String::new(),
            points_this_month: 0,
            points_all_time: 0,
            balance: 0,
        });
        assert_columns(&AtRiskRow {
            member_id: 1,
            name: String::new(),
            email: None,
            wechat: None,
            tier: String::new(),
            status: "active",
            joined_at: NaiveDate::MIN,
            expires_at: None,
            last_points_at: None,
            last_enrolled_on: None,
            last_paid_on: None,
        });
    }
}
