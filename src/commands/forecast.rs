//! `community forecast growth | reach | revenue`: gathers the inputs (flags first, the
//! database for whatever was not given), runs the models in `forecast.rs`, and hands the
//! months to the renderer, the terminal chart and the SVG writer.
//!
//! No SQL (that is `db::series`) and no arithmetic of the models (that is `forecast.rs`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::chart::{self, Series};
use crate::cli::{
    ForecastCommand, ForecastGrowthArgs, ForecastOutputArgs, ForecastReachArgs,
    ForecastRevenueArgs, GrowthModel,
};
use crate::context::Context;
use crate::dates::{self, YearMonth};
use crate::db::metrics::{self as db_metrics, Flow, Scope};
use crate::db::series;
use crate::forecast::{
    self, Fit, ForecastError, RevenueInput, RevenueProjection, ScenarioTable, format_rate,
    parse_rate_flag, parse_rates_flag,
};
use crate::metrics;
use crate::money::{Currency, Money};
use crate::output::Format;

/// A fit looks back at most this many complete months: how a community grew three years ago
/// says little about how it grows now.
const FIT_MONTHS: usize = 24;

/// Bass parameters when none are given: the averages over published fits (Sultan, Farley and
/// Lehmann, 1990), the usual starting point.
const BASS_P: &str = "0.03";
const BASS_Q: &str = "0.38";

const BOTH_LISTS: &str = "--rate and --churn are both lists: a scenario table varies one of them at a time\nhint: give one value to --rate or to --churn";

/// Rows of the terminal chart's plot.
const CHART_ROWS: usize = 15;

/// Course sales are projected from the average of this many last complete months.
const COURSE_MONTHS: usize = 3;

pub fn run(ctx: &Context, command: ForecastCommand) -> Result<ExitCode> {
    match command {
        ForecastCommand::Growth(args) => growth(ctx, args),
        ForecastCommand::Reach(args) => reach(ctx, args),
        ForecastCommand::Revenue(args) => revenue(ctx, args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// What a series counts, for column names, chart labels and rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Members,
    Views,
}

impl Unit {
    fn column(self) -> &'static str {
        match self {
            Unit::Members => "members",
            Unit::Views => "views",
        }
    }
}

// ---------------------------------------------------------------------------
// growth
// ---------------------------------------------------------------------------

fn growth(ctx: &Context, args: ForecastGrowthArgs) -> Result<()> {
    let months = check_months(args.output.months)?;
    check_growth_flags(&args)?;
    let rates = args
        .rate
        .as_deref()
        .map(|r| parse_rates_flag("--rate", r))
        .transpose()?;
    let churns = match args.churn.as_deref() {
        Some(c) => parse_rates_flag("--churn", c)?,
        None => vec![0.0],
    };
    // Checked again where the table is built; failing here spares the database work.
    if rates.as_ref().is_some_and(|r| r.len() > 1) && churns.len() > 1 {
        bail!(BOTH_LISTS);
    }

    let mut db = Db::new(ctx);
    // Without --rate, the rate comes from the history (as --fit says out loud).
    let fit = match rates {
        None if args.model != GrowthModel::Bass => Some(fit_members(ctx, &mut db)?),
        _ => None,
    };
    let (initial, start_note) = match args.initial {
        Some(initial) => (initial, None),
        None => {
            let today = members_today(ctx, &mut db)?;
            let note = format!(
                "start: {today} member(s) today ({}); --initial N starts elsewhere",
                ctx.today
            );
            (today as f64, Some(note))
        }
    };
    report_inputs(ctx, fit.as_ref().map(|f| &f.1), initial, start_note);
    let fitted = fit.is_some();
    let rates = match (rates, fit) {
        (Some(rates), _) => rates,
        (None, Some((fit, _))) => vec![fit.rate],
        (None, None) => Vec::new(),
    };

    let (table, title) = match args.model {
        GrowthModel::Compound => {
            let table =
                forecast::scenarios(&rates, months, |r, m| forecast::compound(initial, r, m))?;
            (
                table,
                format!("Members: A(t) = A0 (1 + r)^t from {}", people(initial)),
            )
        }
        GrowthModel::Logistic => {
            let capacity = args.capacity.unwrap_or(f64::NAN);
            // A history's rate is net of the members who left; the logistic model takes churn
            // off separately, so its r is the fitted rate plus churn (while far below K).
            let intrinsic = |rate: f64, churn: f64| if fitted { rate + churn } else { rate };
            let table = match (rates.as_slice(), churns.as_slice()) {
                (&[rate], [_, _, ..]) => {
                    let mut table = forecast::scenarios(&churns, months, |c, m| {
                        forecast::logistic(initial, intrinsic(rate, c), capacity, c, m)
                    })?;
                    table.labels = churns
                        .iter()
                        .map(|&c| format!("c={}", format_rate(c)))
                        .collect();
                    table
                }
                (_, &[churn]) => forecast::scenarios(&rates, months, |r, m| {
                    forecast::logistic(initial, intrinsic(r, churn), capacity, churn, m)
                })?,
                _ => bail!(BOTH_LISTS),
            };
            if let (true, &[rate]) = (fitted, rates.as_slice()) {
                for &c in &churns {
                    ctx.note(format!(
                        "logistic r = fitted {} + churn {} = {}",
                        format_rate(rate),
                        format_rate(c),
                        format_rate(intrinsic(rate, c))
                    ));
                }
            }
            (
                table,
                format!(
                    "Members: logistic growth towards {} with churn",
                    people(capacity)
                ),
            )
        }
        GrowthModel::Bass => {
            let market = args.market.unwrap_or(f64::NAN);
            let p_text = args.p.as_deref().unwrap_or(BASS_P);
            let q_text = args.q.as_deref().unwrap_or(BASS_Q);
            let p = parse_rate_flag("--p", p_text)?;
            let q = parse_rate_flag("--q", q_text)?;
            let values = forecast::bass(market, p, q, initial, months)?;
            (
                single(values, Unit::Members),
                format!(
                    "Members: Bass diffusion in a market of {} (p = {}, q = {})",
                    people(market),
                    p_text.trim(),
                    q_text.trim()
                ),
            )
        }
    };
    emit_series(ctx, table, Unit::Members, &title, &args.output)
}

/// Flags that mean nothing to the chosen model are refused, so a typo never passes silently.
fn check_growth_flags(args: &ForecastGrowthArgs) -> Result<()> {
    let model = args.model;
    let name = match model {
        GrowthModel::Compound => "compound",
        GrowthModel::Logistic => "logistic",
        GrowthModel::Bass => "bass",
    };
    let misplaced = |flag: &str, belongs: &str| -> Result<()> {
        bail!("{flag} does not apply to --model {name}; it belongs to {belongs}")
    };
    if model != GrowthModel::Logistic {
        if args.capacity.is_some() {
            misplaced("--capacity", "--model logistic")?;
        }
        if args.churn.is_some() {
            misplaced(
                "--churn",
                if model == GrowthModel::Compound {
                    "--model logistic (compound growth takes a net --rate)"
                } else {
                    "--model logistic"
                },
            )?;
        }
    }
    if model != GrowthModel::Bass {
        for (flag, given) in [
            ("--market", args.market.is_some()),
            ("--p", args.p.is_some()),
            ("--q", args.q.is_some()),
        ] {
            if given {
                misplaced(flag, "--model bass")?;
            }
        }
    }
    match model {
        GrowthModel::Logistic if args.capacity.is_none() => bail!(
            "--model logistic needs --capacity: the most members the community can hold, e.g. --capacity 5000"
        ),
        GrowthModel::Bass if args.market.is_none() => bail!(
            "--model bass needs --market: the number of people who could ever join, e.g. --market 20000"
        ),
        GrowthModel::Bass if args.rate.is_some() || args.fit => bail!(
            "{} does not apply to --model bass: its growth comes from --p (innovation) and --q (imitation)",
            if args.fit { "--fit" } else { "--rate" }
        ),
        _ => Ok(()),
    }
}

/// Members with access today, by the README's rule that the fitted history also counts by.
fn members_today(ctx: &Context, db: &mut Db<'_>) -> Result<u64> {
    Ok(metrics::active_at(db.flows()?, YearMonth::of(ctx.today)))
}

/// Fits the growth rate to the members at the end of each recent complete month.
fn fit_members(ctx: &Context, db: &mut Db<'_>) -> Result<(Fit, FitReport)> {
    let first = series::earliest_join(db.get()?)?.context(
        "no members yet, so there is no history to fit a rate to\nhint: give --initial N and --rate RATE, e.g. --initial 100 --rate 10%",
    )?;
    let months = history_months(first, ctx.today, FIT_MONTHS);
    let flows = db.flows()?;
    let observed: Vec<f64> = months
        .iter()
        .map(|&month| metrics::active_at(flows, month) as f64)
        .collect();
    fit(MEMBERS_AT_MONTH_END, &months, observed)
}

const MEMBERS_AT_MONTH_END: &str = "members at the end of each month";
const VIEWS_PER_MONTH: &str = "views per month";

/// Fits `observed` (one value per month of `months`); the report says what it used.
fn fit(what: &'static str, months: &[YearMonth], observed: Vec<f64>) -> Result<(Fit, FitReport)> {
    let fit = forecast::fit_log_linear(&observed)
        .map_err(anyhow::Error::new)
        .with_context(|| {
            format!(
                "fitting a monthly rate to the {what} ({})",
                span(months).unwrap_or_else(|| "no complete month yet".into())
            )
        })?;
    let report = FitReport {
        series: what,
        months: months.iter().map(ToString::to_string).collect(),
        observed,
        rate: fit.rate,
        fitted_initial: fit.fitted_initial,
        r_squared: fit.r_squared,
        points_used: fit.points_used,
        warnings: fit.warnings.iter().map(ToString::to_string).collect(),
        start: f64::NAN,
    };
    Ok((fit, report))
}

/// Tells the user on stderr what the forecast starts from: the fit (when there was one) and
/// where month 0's value came from. In json and jsonl formats the fit is one JSON object
/// instead, with `start` (month 0's value) in it.
fn report_inputs(ctx: &Context, fit: Option<&FitReport>, start: f64, start_note: Option<String>) {
    match fit {
        Some(fit) if matches!(ctx.format, Format::Json | Format::Jsonl) => {
            let report = FitReport {
                start,
                ..fit.clone()
            };
            match serde_json::to_string(&report) {
                Ok(json) => ctx.note(json),
                Err(err) => ctx.note(format!(
                    "warning: the fit could not be written as json: {err}"
                )),
            }
            return;
        }
        Some(fit) => {
            let at = |i: usize| fit.observed.get(i).copied().unwrap_or(f64::NAN);
            ctx.note(format!(
                "fit: {}, {} ({} month(s), {} used): {} -> {}",
                fit.series,
                fit.months
                    .first()
                    .zip(fit.months.last())
                    .map(|(a, b)| format!("{a}..{b}"))
                    .unwrap_or_default(),
                fit.months.len(),
                fit.points_used,
                people(at(0)),
                people(at(fit.observed.len().saturating_sub(1))),
            ));
            ctx.note(format!(
                "fit: rate {} a month, fitted initial {:.1}, R² {:.3}",
                format_rate(fit.rate),
                fit.fitted_initial,
                fit.r_squared
            ));
            for warning in &fit.warnings {
                ctx.note(format!("warning: {warning}"));
            }
        }
        None => {}
    }
    if let Some(note) = start_note {
        ctx.note(note);
    }
}

/// What a fit used, for people (as text) and for machines (as one JSON object).
#[derive(Clone, Serialize)]
struct FitReport {
    series: &'static str,
    months: Vec<String>,
    observed: Vec<f64>,
    rate: f64,
    fitted_initial: f64,
    r_squared: f64,
    points_used: usize,
    warnings: Vec<String>,
    /// The forecast's month-0 value.
    start: f64,
}

/// `2025-11..2026-10`, or `None` for no months.
fn span(months: &[YearMonth]) -> Option<String> {
    Some(format!("{}..{}", months.first()?, months.last()?))
}

/// The complete calendar months from the one holding `first` up to the last one that has
/// ended by `today` (today's own month when today is its last day), at most `max` of the
/// latest, oldest first.
fn history_months(first: NaiveDate, today: NaiveDate, max: usize) -> Vec<YearMonth> {
    let this = YearMonth::of(today);
    let last = if today == this.last_day() {
        Some(this)
    } else {
        this.prev()
    };
    let start = YearMonth::of(first);
    let mut months = Vec::new();
    let mut cursor = last;
    while let Some(month) = cursor {
        if month < start || months.len() >= max {
            break;
        }
        months.push(month);
        cursor = month.prev();
    }
    months.reverse();
    months
}

// ---------------------------------------------------------------------------
// reach
// ---------------------------------------------------------------------------

fn reach(ctx: &Context, args: ForecastReachArgs) -> Result<()> {
    let months = check_months(args.output.months)?;
    let rates = args
        .rate
        .as_deref()
        .map(|r| parse_rates_flag("--rate", r))
        .transpose()?;
    let (initial, rates) = match (args.initial, rates) {
        (Some(initial), Some(rates)) => (initial, rates),
        (initial, rates) => {
            let conn = ctx.read_db()?;
            let (fit, report) = fit_views(ctx, &conn, args.content)?;
            let start_note = initial.is_none().then(|| {
                format!(
                    "start: {} views in {}, the last month of the history",
                    people(fit.last_observed),
                    report
                        .months
                        .get(fit.last_month)
                        .map_or("?", String::as_str)
                )
            });
            let start = initial.unwrap_or(fit.last_observed);
            report_inputs(ctx, Some(&report), start, start_note);
            (start, rates.unwrap_or_else(|| vec![fit.rate]))
        }
    };
    let table = forecast::scenarios(&rates, months, |r, m| forecast::reach(initial, r, m))?;
    let title = format!("Views: V(t) = V0 (1 + s)^t from {}", people(initial));
    emit_series(ctx, table, Unit::Views, &title, &args.output)
}

/// Fits the spread rate to the views in each of the last complete months.
fn fit_views(ctx: &Context, conn: &Connection, content: Option<i64>) -> Result<(Fit, FitReport)> {
    let this = YearMonth::of(ctx.today);
    let months = history_months(
        dates::sub_months(this.first_day(), FIT_MONTHS as u32).unwrap_or(this.first_day()),
        ctx.today,
        FIT_MONTHS,
    );
    let item = content.map_or_else(|| "any content".to_string(), |id| format!("content {id}"));
    let Some(views) = series::content_views_by_month(conn, content, &months)? else {
        bail!(
            "no content stats recorded yet, so there are no views of {item} to fit a rate to\nhint: give --initial VIEWS and --rate RATE, e.g. --initial 100 --rate 20%"
        );
    };
    fit(VIEWS_PER_MONTH, &months, views)
}

// ---------------------------------------------------------------------------
// growth and reach output
// ---------------------------------------------------------------------------

/// A one-scenario table whose only column is named after what it counts.
fn single(values: Vec<f64>, unit: Unit) -> ScenarioTable {
    ScenarioTable {
        labels: vec![unit.column().into()],
        rows: values
            .into_iter()
            .enumerate()
            .map(|(month, v)| forecast::ScenarioRow {
                month: u32::try_from(month).unwrap_or(u32::MAX),
                values: vec![v],
            })
            .collect(),
    }
}

/// Prints a growth or reach table (months as rows, one column per scenario), then the chart.
///
/// One scenario gets the stable column name `members` or `views`; several get one column per
/// rate (`r=5%`, `r=10%`), in the order given.
fn emit_series(
    ctx: &Context,
    mut table: ScenarioTable,
    unit: Unit,
    title: &str,
    output: &ForecastOutputArgs,
) -> Result<()> {
    if table.labels.len() == 1 {
        table.labels = vec![unit.column().into()];
    }
    let series: Vec<Series> = table
        .columns()
        .into_iter()
        .map(|(label, points)| Series { label, points })
        .collect();
    let x_label = format!("months from {}", ctx.today);
    write_svg(ctx, output, &series, title, &x_label, unit.column())?;

    let mut columns = vec!["month".to_string(), "date".to_string()];
    columns.extend(table.labels.iter().cloned());
    let mut out = ctx.renderer_with_columns(columns)?;
    let for_people = ctx.format == Format::Table;
    for row in &table.rows {
        let mut values = vec![Value::from(row.month), date_value(ctx.today, row.month)];
        values.extend(row.values.iter().map(|&v| {
            if for_people {
                Value::from(people(v))
            } else {
                Value::from(v)
            }
        }));
        out.write_values(&values)?;
    }
    out.finish()?;
    draw_chart(ctx, output, &series, unit.column())
}

// ---------------------------------------------------------------------------
// revenue
// ---------------------------------------------------------------------------

fn revenue(ctx: &Context, args: ForecastRevenueArgs) -> Result<()> {
    let months = check_months(args.output.months)?;
    let one_rate = |flag: &str, value: Option<&str>| -> Result<f64> {
        match value {
            None => Ok(0.0),
            Some(v) if v.contains([',', '，']) => bail!(
                "{flag} {v:?} is a list, but forecast revenue runs one scenario: give one rate, e.g. {flag} 3%"
            ),
            Some(v) => Ok(parse_rate_flag(flag, v)?),
        }
    };
    let churn = one_rate("--churn", args.churn.as_deref())?;
    let growth = one_rate("--rate", args.rate.as_deref())?;
    let config = &ctx.config;
    let currency = &config.community.currency;

    let conn = ctx.read_db()?;
    let counts = series::active_or_cancelled_by_tier(&conn, ctx.today)?;
    for (tier, n) in &counts {
        if config.tier(tier).is_none() {
            ctx.note(format!(
                "warning: {n} member(s) on tier {tier:?}, which community.toml does not define, are left out"
            ));
        }
    }
    let tiers: Vec<forecast::Tier> = config
        .tiers
        .iter()
        .filter(|t| t.is_paid())
        .map(|t| forecast::Tier {
            name: t.name().to_string(),
            members: counts
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case(t.name()))
                .map(|(_, n)| n)
                .sum(),
            price_minor: t.price_minor.minor(),
            period_months: t.period.months().unwrap_or(0),
        })
        .collect();
    for tier in tiers.iter().filter(|t| t.period_months == 0) {
        ctx.note(format!(
            "tier {:?} is paid once (lifetime): it brings no monthly recurring revenue",
            tier.name
        ));
    }

    let course_months = history_months(
        dates::sub_months(ctx.today, COURSE_MONTHS as u32).unwrap_or(ctx.today),
        ctx.today,
        COURSE_MONTHS,
    );
    let course_revenue_minor = match series::course_sales_by_month(&conn, &course_months)? {
        Some(sales) if !sales.is_empty() => {
            let total = Money::checked_sum(sales.iter().copied())
                .context("course sales are too large to add up")?;
            // Rounded down to a whole minor unit: a projection, not a ledger.
            let average = total.minor() / sales.len() as i64;
            ctx.note(format!(
                "courses: {} a month, the average of {}",
                Money::from_minor(average).display(currency),
                span(&course_months).unwrap_or_default()
            ));
            Some(average)
        }
        _ => {
            ctx.note("courses: no course sales recorded yet, so revenue is memberships only");
            None
        }
    };

    let projection = forecast::project_revenue(&RevenueInput {
        tiers,
        churn,
        growth,
        months,
        course_revenue_minor,
    })?;
    summarise_revenue(ctx, &projection, churn, growth, currency)?;
    emit_revenue(ctx, &projection, currency, &args.output)
}

/// Today's figures on stderr: who pays, MRR, ARR, ARPU and (with churn) LTV.
fn summarise_revenue(
    ctx: &Context,
    projection: &RevenueProjection,
    churn: f64,
    growth: f64,
    currency: &Currency,
) -> Result<()> {
    let Some(now) = projection.months.first() else {
        return Ok(());
    };
    let by_tier: Vec<String> = projection
        .tier_names
        .iter()
        .zip(&now.members)
        .map(|(name, n)| format!("{name} {}", people(*n)))
        .collect();
    let money = |minor: i64| Money::from_minor(minor).display(currency);
    ctx.note(format!(
        "today: {} paying member(s) ({}); growth {} and churn {} a month",
        people(now.total_members),
        if by_tier.is_empty() {
            "no paid tiers".to_string()
        } else {
            by_tier.join(", ")
        },
        format_rate(growth),
        format_rate(churn),
    ));
    let arpu = forecast::arpu_minor(now.mrr_minor, now.total_members);
    let mut line = format!(
        "today: MRR {}, ARR {}",
        money(now.mrr_minor),
        money(forecast::arr_minor(now.mrr_minor)?)
    );
    if let Some(arpu) = arpu {
        line.push_str(&format!(", ARPU {} a month", money(arpu)));
        if let Some(ltv) = forecast::ltv_minor(arpu, churn) {
            line.push_str(&format!(", LTV {} (ARPU / churn)", money(ltv)));
        }
    }
    ctx.note(line);
    Ok(())
}

/// Prints the revenue table: money exact in minor units until here, then decimal text for
/// machines (`1299.00`) or with the currency for people (`¥1,299.00`).
fn emit_revenue(
    ctx: &Context,
    projection: &RevenueProjection,
    currency: &Currency,
    output: &ForecastOutputArgs,
) -> Result<()> {
    let major = |minor: i64| minor as f64 / 10f64.powi(i32::from(currency.exponent()));
    let mut series = vec![Series {
        label: "mrr".into(),
        points: projection
            .months
            .iter()
            .map(|m| major(m.mrr_minor))
            .collect(),
    }];
    if projection.months.iter().any(|m| m.course_minor != 0) {
        series.push(Series {
            label: "total (with courses)".into(),
            points: projection
                .months
                .iter()
                .map(|m| major(m.total_minor))
                .collect(),
        });
    }
    let y_label = format!("{} per month", currency.code());
    let x_label = format!("months from {}", ctx.today);
    let title = format!("Monthly recurring revenue ({})", currency.code());
    write_svg(ctx, output, &series, &title, &x_label, &y_label)?;

    let mut columns = vec!["month".to_string(), "date".into(), "members".into()];
    columns.extend(
        projection
            .tier_names
            .iter()
            .map(|name| format!("members_{name}")),
    );
    columns.extend(["mrr", "courses", "total", "cumulative"].map(String::from));
    let mut out = ctx.renderer_with_columns(columns)?;
    let for_people = ctx.format == Format::Table;
    let count = |v: f64| {
        if for_people {
            Value::from(people(v))
        } else {
            Value::from(v)
        }
    };
    let money = |minor: i64| {
        let m = Money::from_minor(minor);
        Value::from(if for_people {
            m.display(currency)
        } else {
            m.to_decimal(currency)
        })
    };
    for month in &projection.months {
        let mut values = vec![
            Value::from(month.month),
            date_value(ctx.today, month.month),
            count(month.total_members),
        ];
        values.extend(month.members.iter().map(|&n| count(n)));
        values.extend([
            money(month.mrr_minor),
            money(month.course_minor),
            money(month.total_minor),
            money(month.cumulative_minor),
        ]);
        out.write_values(&values)?;
    }
    out.finish()?;
    draw_chart(ctx, output, &series, &y_label)
}

// ---------------------------------------------------------------------------
// shared
// ---------------------------------------------------------------------------

/// `--months` is checked before any database work, so a typo fails fast.
fn check_months(months: u32) -> Result<u32, ForecastError> {
    if months > forecast::MAX_MONTHS {
        return Err(ForecastError::TooManyMonths { months });
    }
    Ok(months)
}

/// The calendar date of forecast month `month`: today plus that many months.
fn date_value(today: NaiveDate, month: u32) -> Value {
    dates::add_months(today, month).map_or(Value::Null, |d| Value::from(d.to_string()))
}

/// A count for people: whole, with thousands separators (`1,234`); huge values in scientific
/// notation, and a non-finite one as `∞` (the formula overflowed).
fn people(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() { "-".into() } else { "∞".into() };
    }
    if v.abs() >= 1e15 {
        return format!("{v:.3e}");
    }
    let text = format!("{v:.0}");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) if rest.chars().any(|c| c != '0') => ("-", rest),
        Some(rest) => ("", rest),
        None => ("", text.as_str()),
    };
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

/// Writes the SVG first, so a file that cannot be written fails the command before anything
/// reaches stdout.
fn write_svg(
    ctx: &Context,
    output: &ForecastOutputArgs,
    series: &[Series],
    title: &str,
    x_label: &str,
    y_label: &str,
) -> Result<()> {
    let Some(path) = &output.svg else {
        return Ok(());
    };
    let svg = chart::svg(series, title, x_label, y_label);
    std::fs::write(path, svg).with_context(|| format!("--svg: writing {}", path.display()))?;
    ctx.note(format!("wrote the chart to {}", path.display()));
    Ok(())
}

/// The terminal chart: under the table on stdout, or on stderr when stdout carries csv or
/// json (a chart there would corrupt the data; --quiet silences it like every note).
fn draw_chart(
    ctx: &Context,
    output: &ForecastOutputArgs,
    series: &[Series],
    y_label: &str,
) -> Result<()> {
    if !output.chart {
        return Ok(());
    }
    let width = ctx.terminal.map_or(100, usize::from);
    let text = chart::terminal(series, width, CHART_ROWS, y_label);
    if ctx.format == Format::Table {
        let mut out = std::io::stdout().lock();
        writeln!(out, "\n{text}")?;
        out.flush()?;
    } else {
        ctx.note(text);
    }
    Ok(())
}

/// The database, opened on first use: a forecast whose inputs are all given never needs one.
struct Db<'a> {
    ctx: &'a Context,
    conn: Option<Connection>,
    flows: Option<Vec<Flow>>,
}

impl<'a> Db<'a> {
    fn new(ctx: &'a Context) -> Self {
        Db {
            ctx,
            conn: None,
            flows: None,
        }
    }

    fn get(&mut self) -> Result<&Connection> {
        if self.conn.is_none() {
            self.conn = Some(self.ctx.read_db()?);
        }
        self.conn.as_ref().context("the database did not open")
    }

    /// The whole community's flows (db::metrics), read once: the members with access at any
    /// month end, or today, are sums over them, as in `report growth`. The rollups answer in
    /// milliseconds where counting the members at each of 24 days read every member 24 times
    /// (6.6 s for a million); a test in db::metrics holds the sums equal to that count.
    fn flows(&mut self) -> Result<&[Flow]> {
        if self.flows.is_none() {
            let today = self.ctx.today;
            let flows = db_metrics::flows(self.get()?, &Scope::default(), today)?;
            self.flows = Some(flows);
        }
        Ok(self.flows.as_deref().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    #[test]
    fn history_is_the_complete_months_since_the_first_join() {
        let months = history_months(date("2026-08-15"), date("2026-11-23"), 24);
        assert_eq!(months, [ym("2026-08"), ym("2026-09"), ym("2026-10")]);
        // On the last day of a month, that month is complete.
        let months = history_months(date("2026-08-15"), date("2026-11-30"), 24);
        assert_eq!(months.last(), Some(&ym("2026-11")));
        // Only the latest `max` months; none when nobody joined before this month.
        let months = history_months(date("2020-01-01"), date("2026-11-23"), 24);
        assert_eq!((months.len(), months[0]), (24, ym("2024-11")));
        assert!(history_months(date("2026-11-02"), date("2026-11-23"), 24).is_empty());
    }

    #[test]
    fn people_are_whole_and_grouped() {
        assert_eq!(people(313.842_837_672_1), "314");
        assert_eq!(people(1_234_567.5), "1,234,568");
        assert_eq!(people(999.4), "999");
        assert_eq!(people(-0.2), "0");
        assert_eq!(people(-1234.0), "-1,234");
        assert_eq!(people(f64::INFINITY), "∞");
        assert_eq!(people(1e20), "1.000e20");
    }
}
