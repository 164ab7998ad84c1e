//! `community report ...`: reports over the whole community. Each report is one variant of
//! `ReportCommand` and one function here; the figures come from SQL aggregations in db/ and
//! the pure arithmetic in `revenue.rs`. No SQL and no formatting here.
//!
//! Every figure of `report revenue` is defined in README ("Courses and income"); those of the
//! member reports (`members.rs`) in "Reports and the summary".

mod members;

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::NaiveDate;
use serde::Serialize;

use crate::cli::{ReportCommand, ReportRevenueArgs, RevenueBy};
use crate::context::Context;
use crate::dates::{self, YearMonth};
use crate::db::payments::{self, Dimension, DimensionTotals, MonthTotals};
use crate::money::{Currency, Money};
use crate::output::Record;
use crate::revenue::{
    change_percent, divide_rounded, month_index, month_of_index, mrr_by_month, percent_of,
};

pub fn run(ctx: &Context, command: ReportCommand) -> Result<ExitCode> {
    match command {
        ReportCommand::Members(args) => members::members(ctx, &args),
        ReportCommand::Growth(args) => members::growth(ctx, &args),
        ReportCommand::Cohorts(args) => members::cohorts(ctx, &args),
        ReportCommand::Churn(args) => members::churn(ctx, &args),
        ReportCommand::Leaderboard(args) => members::leaderboard(ctx, &args),
        ReportCommand::Engagement(args) => members::engagement(ctx, &args),
        ReportCommand::Revenue(args) => revenue(ctx, &args),
        ReportCommand::Content(args) => return super::content::report(ctx, &args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// A month of `report revenue --by month`.
#[derive(Serialize)]
struct MonthRow {
    month: YearMonth,
    membership: String,
    course: String,
    qa: String,
    sponsorship: String,
    ad: String,
    other: String,
    refunds: String,
    total: String,
    change_pct: Option<String>,
    mrr: String,
    arr: String,
    paying_members: i64,
    arpu: Option<String>,
}

impl Record for MonthRow {
    const COLUMNS: &'static [&'static str] = &[
        "month",
        "membership",
        "course",
        "qa",
        "sponsorship",
        "ad",
        "other",
        "refunds",
        "total",
        "change_pct",
        "mrr",
        "arr",
        "paying_members",
        "arpu",
    ];
}

/// A row of `report revenue --by kind|tier|course|source`; the first column is named after
/// the dimension, so one record type per dimension.
macro_rules! dimension_row {
    ($name:ident, $key:ident) => {
        #[derive(Serialize)]
        struct $name {
            $key: Option<String>,
            payments: i64,
            gross: String,
            refunds: String,
            total: String,
            share_pct: Option<String>,
            paying_members: i64,
            arpu: Option<String>,
        }

        impl Record for $name {
            const COLUMNS: &'static [&'static str] = &[
                stringify!($key),
                "payments",
                "gross",
                "refunds",
                "total",
                "share_pct",
                "paying_members",
                "arpu",
            ];
        }

        impl From<DimensionFigures> for $name {
            fn from(f: DimensionFigures) -> Self {
                $name {
                    $key: f.key,
                    payments: f.payments,
                    gross: f.gross,
                    refunds: f.refunds,
                    total: f.total,
                    share_pct: f.share_pct,
                    paying_members: f.paying_members,
                    arpu: f.arpu,
                }
            }
        }
    };
}

dimension_row!(KindRow, kind);
dimension_row!(TierRow, tier);
dimension_row!(CourseRow, course);
dimension_row!(SourceRow, source);

/// The figures of one dimension value, formatted, before they get their column name.
struct DimensionFigures {
    key: Option<String>,
    payments: i64,
    gross: String,
    refunds: String,
    total: String,
    share_pct: Option<String>,
    paying_members: i64,
    arpu: Option<String>,
}

fn revenue(ctx: &Context, args: &ReportRevenueArgs) -> Result<()> {
    let (since, until) = range(ctx, args.since.as_deref(), args.until.as_deref())?;
    let conn = ctx.read_db()?;
    let currency = &ctx.config.community.currency;
    let dimension = match args.by {
        RevenueBy::Month => return by_month(ctx, &conn, since, until),
        RevenueBy::Kind => Dimension::Kind,
        RevenueBy::Tier => Dimension::Tier,
        RevenueBy::Course => Dimension::Course,
        RevenueBy::Source => Dimension::Source,
    };
    let totals = payments::by_dimension(&conn, dimension, since, until)?;
    let figures = dimension_figures(totals, currency)?;
    match dimension {
        Dimension::Kind => render::<KindRow>(ctx, figures),
        Dimension::Tier => render::<TierRow>(ctx, figures),
        Dimension::Course => render::<CourseRow>(ctx, figures),
        Dimension::Source => render::<SourceRow>(ctx, figures),
    }
}

fn render<R: Record + From<DimensionFigures>>(
    ctx: &Context,
    figures: Vec<DimensionFigures>,
) -> Result<()> {
    let mut out = ctx.renderer::<R>()?;
    for f in figures {
        out.write(&R::from(f))?;
    }
    out.finish()
}

/// `--since` and `--until`, defaulting to the twelve months ending today.
fn range(
    ctx: &Context,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<(NaiveDate, NaiveDate)> {
    let date = |text: &str, flag: &str| {
        dates::parse_date(text, ctx.today).with_context(|| format!("{flag} {text:?}"))
    };
    let until = match until {
        Some(text) => date(text, "--until")?,
        None => ctx.today,
    };
    let since = match since {
        Some(text) => date(text, "--since")?,
        None => dates::sub_months(YearMonth::of(ctx.today).first_day(), 11)
            .ok_or_else(|| anyhow!("--today {} is too early for a 12-month report", ctx.today))?,
    };
    if since > until {
        bail!("--since {since} is after --until {until}");
    }
    Ok((since, until))
}

fn by_month(
    ctx: &Context,
    conn: &rusqlite::Connection,
    since: NaiveDate,
    until: NaiveDate,
) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let first = month_index(YearMonth::of(since));
    let last = month_index(YearMonth::of(until));
    // One month more at the front, so the first month has a change too.
    let before = month_of_index(first - 1).map(YearMonth::first_day);
    let totals = payments::month_totals(conn, before.unwrap_or(since), until)?;
    let mrr = mrr_by_month(&payments::mrr_steps(conn, first, last)?, first, last);
    let mut out = ctx.renderer::<MonthRow>()?;
    let mut previous: Option<Money> = None;
    let mut months = totals.iter().peekable();
    // The month before `first` only gives its total.
    if let Some(t) = months.next_if(|t| month_key(t) < Some(first)) {
        previous = Some(total_of(t)?);
    }
    let empty = MonthTotals::default();
    for (index, mrr) in mrr {
        let month =
            month_of_index(index).ok_or_else(|| anyhow!("month {index} is off the calendar"))?;
        let t = months
            .next_if(|t| month_key(t) == Some(index))
            .unwrap_or(&empty);
        let total = total_of(t)?;
        let row = MonthRow {
            month,
            membership: t.by_kind[0].to_decimal(currency),
            course: t.by_kind[1].to_decimal(currency),
            qa: t.by_kind[2].to_decimal(currency),
            sponsorship: t.by_kind[3].to_decimal(currency),
            ad: t.by_kind[4].to_decimal(currency),
            other: t.by_kind[5].to_decimal(currency),
            refunds: t.refunds.to_decimal(currency),
            total: total.to_decimal(currency),
            change_pct: previous.and_then(|p| change_percent(total, p)),
            mrr: mrr.to_decimal(currency),
            arr: mrr
                .checked_mul(12)
                .ok_or_else(|| anyhow!("ARR of {month} overflows"))?
                .to_decimal(currency),
            paying_members: t.paying_members,
            arpu: divide_rounded(t.member_revenue, t.paying_members)
                .map(|m| m.to_decimal(currency)),
        };
        out.write(&row)?;
        previous = Some(total);
    }
    out.finish()
}

fn month_key(t: &MonthTotals) -> Option<i64> {
    dates::parse_month(&t.month).ok().map(month_index)
}

/// Income of every kind plus refunds (which are negative).
fn total_of(t: &MonthTotals) -> Result<Money> {
    Money::checked_sum(t.by_kind.iter().copied().chain([t.refunds]))
        .ok_or_else(|| anyhow!("the total of {} overflows", t.month))
}

fn dimension_figures(
    totals: Vec<DimensionTotals>,
    currency: &Currency,
) -> Result<Vec<DimensionFigures>> {
    let net = |t: &DimensionTotals| {
        t.gross
            .checked_add(t.refunds)
            .ok_or_else(|| anyhow!("a total overflows"))
    };
    let mut grand = Money::ZERO;
    for t in &totals {
        grand = grand
            .checked_add(net(t)?)
            .ok_or_else(|| anyhow!("the grand total overflows"))?;
    }
    totals
        .into_iter()
        .map(|t| {
            let total = net(&t)?;
            Ok(DimensionFigures {
                payments: t.payments,
                gross: t.gross.to_decimal(currency),
                refunds: t.refunds.to_decimal(currency),
                total: total.to_decimal(currency),
                share_pct: percent_of(total.minor(), grand.minor()),
                paying_members: t.paying_members,
                arpu: divide_rounded(t.member_revenue, t.paying_members)
                    .map(|m| m.to_decimal(currency)),
                key: t.key,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    fn figures() -> DimensionFigures {
        DimensionFigures {
            key: Some("qa".into()),
            payments: 1,
            gross: "50.00".into(),
            refunds: "0.00".into(),
            total: "50.00".into(),
            share_pct: Some("100.0".into()),
            paying_members: 1,
            arpu: Some("50.00".into()),
        }
    }

    #[test]
    fn row_columns_match_their_fields() {
        assert_columns(&KindRow::from(figures()));
        assert_columns(&TierRow::from(figures()));
        assert_columns(&CourseRow::from(figures()));
        assert_columns(&SourceRow::from(figures()));
        assert_columns(&MonthRow {
            month: YearMonth::new(2026, 1).unwrap(),
            membership: String::new(),
            course: String::new(),
            qa: String::new(),
            sponsorship: String::new(),
            ad: String::new(),
            other: String::new(),
            refunds: String::new(),
            total: String::new(),
            change_pct: None,
            mrr: String::new(),
            arr: String::new(),
            paying_members: 0,
            arpu: None,
        });
    }

    #[test]
    fn shares_are_of_the_net_grand_total() {
        let t = |key: &str, gross: i64, refunds: i64| DimensionTotals {
            key: Some(key.into()),
            payments: 1,
            gross: Money::from_minor(gross),
            refunds: Money::from_minor(refunds),
            paying_members: 1,
            member_revenue: Money::from_minor(gross + refunds),
        };
        let f = dimension_figures(
            vec![t("a", 3000, -1000), t("b", 6000, 0)],
            &Currency::default(),
        )
        .unwrap();
        assert_eq!(f[0].share_pct.as_deref(), Some("25.0"));
        assert_eq!(f[1].share_pct.as_deref(), Some("75.0"));
        assert_eq!(f[0].total, "20.00");
    }
}
