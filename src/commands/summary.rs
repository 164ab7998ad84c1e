//! `community summary`: gathers the one-screen overview from a handful of grouped queries
//! (members by tier and status, monthly flows, MRR steps, expiring, this week's slots) and
//! hands it to `summary.rs` to lay out. No SQL and no layout here.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use chrono::{Datelike as _, Days};
use serde_json::Value;

use crate::cli::SummaryArgs;
use crate::context::Context;
use crate::dates::{self, YearMonth};
use crate::db::metrics::{self, Group, Scope};
use crate::db::{payments, plan};
use crate::member::Status;
use crate::metrics::{active_at, month_flows, months_between, percent};
use crate::output::Format;
use crate::revenue::{change_percent, month_index, mrr_by_month};
use crate::summary::{
    self, Expiring, ExpiringMember, History, Members, Mrr, StatusCount, Summary, ThisMonth,
    TierCount, Week, WeekSlot,
};

pub fn run(ctx: &Context, args: &SummaryArgs) -> Result<ExitCode> {
    let summary = gather(ctx, args)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match ctx.format {
        Format::Table => {
            let text = summary::render_text(&summary);
            let text = if ctx.terminal.is_some() {
                crate::sanitize::sanitize(&text).into_owned()
            } else {
                text
            };
            out.write_all(text.as_bytes())?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &summary)?;
            out.write_all(b"\n")?;
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut out, &summary)?;
            out.write_all(b"\n")?;
        }
        Format::Csv | Format::Tsv => {
            drop(out);
            let value = serde_json::to_value(&summary)?;
            let mut rows = ctx.renderer_with_columns(vec!["metric".into(), "value".into()])?;
            for (metric, value) in summary::flatten(&value) {
                rows.write_values(&[Value::String(metric), value])?;
            }
            return rows.finish().map(|()| ExitCode::SUCCESS);
        }
        Format::Ics => anyhow::bail!(
            "--format ics is for `community plan export`; summary comes as table, csv, tsv, json or jsonl"
        ),
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn gather(ctx: &Context, args: &SummaryArgs) -> Result<Summary> {
    let span: dates::Span = args
        .expiring_within
        .parse()
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("--expiring-within {:?}", args.expiring_within))?;
    let expiring_until = span
        .add_to(ctx.today)
        .ok_or_else(|| anyhow!("--expiring-within {span} runs off the calendar"))?;
    let currency = &ctx.config.community.currency;
    let conn = ctx.read_db()?;
    let everyone = Scope::default();

    // Members by tier and status now.
    let counts = metrics::members_by(&conn, Group::Tier, &everyone, (None, None), ctx.today)?;
    let mut by_status: Vec<StatusCount> = Status::ALL
        .iter()
        .map(|s| StatusCount {
            status: s.as_str(),
            members: 0,
        })
        .collect();
    let mut by_tier: Vec<TierCount> = ctx
        .config
        .tiers
        .iter()
        .map(|t| TierCount {
            tier: t.name().to_string(),
            members: 0,
            with_access: 0,
            paying: 0,
        })
        .collect();
    for c in &counts {
        if let Some(s) = by_status.iter_mut().find(|s| s.status == c.status.as_str()) {
            s.members += c.members;
        }
        let index = match by_tier
            .iter()
            .position(|t| t.tier.eq_ignore_ascii_case(&c.tier))
        {
            Some(i) => i,
            None => {
                by_tier.push(TierCount {
                    tier: c.tier.clone(),
                    members: 0,
                    with_access: 0,
                    paying: 0,
                });
                by_tier.len() - 1
            }
        };
        let tier = &mut by_tier[index];
        tier.members += c.members;
        if matches!(
            c.status,
            Status::Trial | Status::Active | Status::Cancelled | Status::Comped
        ) {
            tier.with_access += c.members;
        }
        if matches!(c.status, Status::Active | Status::Cancelled)
            && ctx.config.tier(&c.tier).is_some_and(|t| t.is_paid())
        {
            tier.paying += c.members;
        }
    }
    let members = Members {
        total: by_tier.iter().map(|t| t.members).sum(),
        with_access: by_tier.iter().map(|t| t.with_access).sum(),
        paying: by_tier.iter().map(|t| t.paying).sum(),
        by_status,
        by_tier,
    };

    // The last 12 months of flows. Members with access at each month end are summed from the
    // same flows (a unit test in db::metrics holds them equal to series::members_at), which
    // spares a second scan of the members.
    let now = YearMonth::of(ctx.today);
    let first = YearMonth::of(
        dates::sub_months(now.first_day(), 11)
            .ok_or_else(|| anyhow!("--today {} is too early for a summary", ctx.today))?,
    );
    let months = months_between(first, now);
    let flows = metrics::flows(&conn, &everyone, ctx.today)?;
    let monthly = month_flows(&flows, &months);
    let active_at = |month: YearMonth| active_at(&flows, month);
    let active_end: Vec<u64> = months.iter().map(|m| active_at(*m)).collect();
    let active_start = now.prev().map_or(0, active_at);
    let this = monthly.last().copied().unwrap_or_default();
    let net = signed(this.new) - signed(this.churned);

    // MRR of the 12 months.
    let (a, b) = (month_index(first), month_index(now));
    let mrr = mrr_by_month(&payments::mrr_steps(&conn, a, b)?, a, b);
    let mrr_now = mrr.last().map(|(_, m)| *m).unwrap_or_default();
    let mrr_before = mrr
        .len()
        .checked_sub(2)
        .and_then(|i| mrr.get(i))
        .map(|(_, m)| *m)
        .unwrap_or_default();

    let (count, first_expiring) =
        metrics::expiring(&conn, ctx.today, expiring_until, summary::SHOW_EXPIRING)?;

    // This week, Monday to Sunday.
    let monday = ctx
        .today
        .checked_sub_days(Days::new(u64::from(
            ctx.today.weekday().num_days_from_monday(),
        )))
        .ok_or_else(|| anyhow!("the week of {} is off the calendar", ctx.today))?;
    let sunday = monday
        .checked_add_days(Days::new(6))
        .ok_or_else(|| anyhow!("the week of {} is off the calendar", ctx.today))?;
    let slots = plan::in_range(&conn, monday, sunday, false)?;
    let gaps = slots.iter().filter(|s| s.content.is_none()).count() as u64;

    Ok(Summary {
        community: ctx.config.community.name.clone(),
        today: ctx.today.to_string(),
        members,
        this_month: ThisMonth {
            month: now,
            new: this.new,
            churned: this.churned,
            net,
            active_start,
            active_now: active_end.last().copied().unwrap_or(0),
            growth_pct: percent(net, signed(active_start)),
        },
        mrr: Mrr {
            this_month: mrr_now.to_decimal(currency),
            last_month: mrr_before.to_decimal(currency),
            change_pct: change_percent(mrr_now, mrr_before),
            display: mrr_now.display(currency),
            last_display: mrr_before.display(currency),
        },
        history: History {
            months,
            active_end,
            new: monthly.iter().map(|f| f.new).collect(),
            churned: monthly.iter().map(|f| f.churned).collect(),
            mrr_minor: mrr.iter().map(|(_, m)| m.minor()).collect(),
        },
        expiring: Expiring {
            within: span.to_string(),
            until: expiring_until.to_string(),
            count,
            first: first_expiring
                .into_iter()
                .map(|e| ExpiringMember {
                    member_id: e.id,
                    name: e.name,
                    tier: e.tier,
                    expires_at: e.expires_at.to_string(),
                })
                .collect(),
        },
        week: Week {
            from: monday.to_string(),
            until: sunday.to_string(),
            gaps,
            slots: slots
                .into_iter()
                .map(|s| WeekSlot {
                    slot_id: s.id,
                    local_start: s.key.local_start.format("%Y-%m-%dT%H:%M").to_string(),
                    weekday: s.key.local_start.format("%a").to_string(),
                    kind: s.kind.as_str().to_string(),
                    topic: s.topic,
                    content_id: s.content.as_ref().map(|c| c.id),
                    title: s.content.map(|c| c.title),
                })
                .collect(),
        },
    })
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
