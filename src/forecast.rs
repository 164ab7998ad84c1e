//! Forecast arithmetic: rate parsing and formatting, growth models, log-linear fitting, scenario tables and revenue projection; pure functions only, never I/O, the database, printing, or panics.
//!
//! Conventions every caller relies on:
//! - Month 0 is the starting point, so a forecast of `months` months has `months + 1` values.
//! - Rates are fractions per month (`0.1` is 10% a month).
//! - Forecast values are `f64`; money is `i64` minor units (fen, cents) and is
//!   rounded half to even exactly once per tier and month (see [`project_revenue`]).
//! - Every input is validated; bad values come back as errors naming the flag.

use serde::Serialize;
use thiserror::Error;

/// The longest forecast accepted: ten years. Compounding guesses further out than that says
/// nothing, and the bound keeps a typo such as `--months 1000000` from allocating gigabytes.
pub const MAX_MONTHS: u32 = 120;

/// Below this R² (on the logarithm) a fitted rate is flagged as a poor fit.
pub const POOR_FIT_R_SQUARED: f64 = 0.5;

/// Fewer usable months than this is refused by [`fit_log_linear`].
pub const MIN_FIT_POINTS: usize = 3;

/// Fewer usable months than this still fits, with a [`FitWarning::ShortHistory`].
pub const SHORT_HISTORY_POINTS: usize = 6;

// ---------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------

/// Why a rate given on the command line was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RateError {
    #[error("{flag} needs a rate such as 10% or 0.1, but none was given")]
    Empty { flag: String },
    #[error(
        "{flag} {value:?} is not a rate; write a percentage such as 10% or a fraction such as 0.1"
    )]
    NotANumber { flag: String, value: String },
    #[error(
        "{flag} {value} is not a finite number; write a percentage such as 10% or a fraction such as 0.1"
    )]
    NotFinite { flag: String, value: String },
    #[error("{flag} {value} would mean {percent} a month; write {value}% or {fraction}")]
    BareTooLarge {
        flag: String,
        value: String,
        percent: String,
        fraction: String,
    },
    #[error(
        "{flag} {value} is {percent}, but a rate must be above -100% (losing everything every month)"
    )]
    AtOrBelowMinusOne {
        flag: String,
        value: String,
        percent: String,
    },
    #[error("{flag} {list:?} has an empty item; separate rates with commas, e.g. 5%,10%,20%")]
    EmptyItem { flag: String, list: String },
    #[error("{flag} lists {label} more than once; each scenario needs a different rate")]
    Duplicate { flag: String, label: String },
}

/// Parses a monthly rate for `--rate`; see [`parse_rate_flag`] for the rules.
pub fn parse_rate(s: &str) -> Result<f64, RateError> {
    parse_rate_flag("--rate", s)
}

/// Parses a monthly rate, naming `flag` in errors (`--churn`, `--p`, ...).
///
/// Accepts `10%` (also the full-width `10％`), `0.1`, `-5%`, `0`. Refuses NaN
/// and infinities, anything at or below -100%, and a bare number whose size is
/// above 1 (`10`), because that is almost always a percentage missing its `%`.
pub fn parse_rate_flag(flag: &str, s: &str) -> Result<f64, RateError> {
    let text = s.trim();
    if text.is_empty() {
        return Err(RateError::Empty { flag: flag.into() });
    }
    let (number, is_percent) = match text.strip_suffix('%').or_else(|| text.strip_suffix('％')) {
        Some(rest) => (rest.trim_end(), true),
        None => (text, false),
    };
    let not_a_number = || RateError::NotANumber {
        flag: flag.into(),
        value: text.into(),
    };
    if number.is_empty() {
        return Err(not_a_number());
    }
    let parsed: f64 = number.parse().map_err(|_| not_a_number())?;
    if !parsed.is_finite() {
        return Err(RateError::NotFinite {
            flag: flag.into(),
            value: text.into(),
        });
    }
    let rate = if is_percent {
        shift_two_places(number, parsed)
    } else {
        if parsed.abs() > 1.0 {
            return Err(RateError::BareTooLarge {
                flag: flag.into(),
                value: text.into(),
                percent: format_rate(parsed),
                fraction: format!("{}", shift_two_places(number, parsed)),
            });
        }
        parsed
    };
    if rate <= -1.0 {
        return Err(RateError::AtOrBelowMinusOne {
            flag: flag.into(),
            value: text.into(),
            percent: format_rate(rate),
        });
    }
    Ok(rate)
}

/// Divides a decimal by 100 by re-parsing it with an exponent, so `0.7%` is
/// exactly the double nearest 0.007 and `7%` equals `0.07` bit for bit
/// (plain `0.7 / 100.0` can be one ulp off, which would break duplicate checks).
fn shift_two_places(number: &str, parsed: f64) -> f64 {
    if number.contains(['e', 'E']) {
        return parsed / 100.0;
    }
    format!("{number}e-2")
        .parse::<f64>()
        .unwrap_or(parsed / 100.0)
}

/// Parses a comma-separated list of rates for side-by-side scenarios, e.g.
/// `5%,10%,20%` (the full-width comma `，` also separates).
///
/// Empty items (`5%,,10%`) are refused rather than skipped, since they are
/// usually a typo. Duplicates (after parsing, so `10%` and `0.1` clash) are
/// refused because they would give two identical columns with the same label.
/// Order is kept as written.
pub fn parse_rates(s: &str) -> Result<Vec<f64>, RateError> {
    parse_rates_flag("--rate", s)
}

/// [`parse_rates`] naming `flag` in errors.
pub fn parse_rates_flag(flag: &str, s: &str) -> Result<Vec<f64>, RateError> {
    if s.trim().is_empty() {
        return Err(RateError::Empty { flag: flag.into() });
    }
    let mut rates = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for item in s.split([',', '，']) {
        if item.trim().is_empty() {
            return Err(RateError::EmptyItem {
                flag: flag.into(),
                list: s.into(),
            });
        }
        let rate = parse_rate_flag(flag, item)?;
        let label = format_rate(rate);
        if labels.contains(&label) {
            return Err(RateError::Duplicate {
                flag: flag.into(),
                label,
            });
        }
        labels.push(label);
        rates.push(rate);
    }
    Ok(rates)
}

/// Formats a fraction as a percentage with at most four decimals and no
/// trailing zeros: `0.1` -> `10%`, `0.025` -> `2.5%`, `-0.05` -> `-5%`.
pub fn format_rate(rate: f64) -> String {
    let percent = rate * 100.0;
    if !percent.is_finite() {
        return format!("{percent}%");
    }
    let fixed = format!("{percent:.4}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    // Tiny negatives round to "-0", which reads like a bug.
    if trimmed == "-0" {
        return "0%".into();
    }
    format!("{trimmed}%")
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/// Why a forecast could not be computed from its inputs.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ForecastError {
    #[error("--months {months} is too long: forecasts go up to {max} months", max = MAX_MONTHS)]
    TooManyMonths { months: u32 },
    #[error("{flag} {value} is not a finite number")]
    NotFinite { flag: &'static str, value: f64 },
    #[error("{flag} {value} is negative: it must be 0 or more")]
    Negative { flag: &'static str, value: f64 },
    #[error("{flag} {value} must be greater than 0")]
    NotPositive { flag: &'static str, value: f64 },
    #[error("{flag} {rate} must be above -100%", rate = format_rate(*.rate))]
    RateTooLow { flag: &'static str, rate: f64 },
    #[error("{flag} {rate} is out of range: it must be between 0% and 100%", rate = format_rate(*.rate))]
    NotAFraction { flag: &'static str, rate: f64 },
    #[error("--initial {initial} is above --market {market}: adopters cannot outnumber the market")]
    InitialAboveMarket { initial: f64, market: f64 },
    #[error("--rate needs at least one rate to build a scenario table")]
    NoScenarios,
    #[error("the model for {label} gave {got} values for a {months}-month forecast; expected {expected}", expected = *.months as usize + 1)]
    ScenarioLength {
        label: String,
        got: usize,
        months: u32,
    },
    #[error("tier {name:?} has price {price_minor}, which is negative: prices must be 0 or more")]
    NegativePrice { name: String, price_minor: i64 },
    #[error("course revenue {value} is negative: it must be 0 or more minor units a month")]
    NegativeCourseRevenue { value: i64 },
    #[error("revenue at month {month} is too large to count exactly in minor units")]
    Overflow { month: u32 },
    #[error("ARR for MRR {mrr_minor} is too large to count exactly in minor units")]
    ArrOverflow { mrr_minor: i64 },
}

fn check_months(months: u32) -> Result<(), ForecastError> {
    if months > MAX_MONTHS {
        return Err(ForecastError::TooManyMonths { months });
    }
    Ok(())
}

fn check_finite(flag: &'static str, value: f64) -> Result<(), ForecastError> {
    if !value.is_finite() {
        return Err(ForecastError::NotFinite { flag, value });
    }
    Ok(())
}

fn check_non_negative(flag: &'static str, value: f64) -> Result<(), ForecastError> {
    check_finite(flag, value)?;
    if value < 0.0 {
        return Err(ForecastError::Negative { flag, value });
    }
    Ok(())
}

fn check_positive(flag: &'static str, value: f64) -> Result<(), ForecastError> {
    check_finite(flag, value)?;
    if value <= 0.0 {
        return Err(ForecastError::NotPositive { flag, value });
    }
    Ok(())
}

fn check_growth_rate(flag: &'static str, rate: f64) -> Result<(), ForecastError> {
    check_finite(flag, rate)?;
    if rate <= -1.0 {
        return Err(ForecastError::RateTooLow { flag, rate });
    }
    Ok(())
}

fn check_fraction(flag: &'static str, rate: f64) -> Result<(), ForecastError> {
    check_finite(flag, rate)?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(ForecastError::NotAFraction { flag, rate });
    }
    Ok(())
}

/// Compound growth `A(t) = A0 (1 + r)^t` for `t = 0..=months`.
///
/// Uses the closed form per month rather than repeated multiplication so each
/// value is as close to the formula as `powf` allows, with no drift.
/// Values may overflow to infinity for absurd rates; that is the formula's answer.
pub fn compound(initial: f64, rate: f64, months: u32) -> Result<Vec<f64>, ForecastError> {
    check_months(months)?;
    check_non_negative("--initial", initial)?;
    check_growth_rate("--rate", rate)?;
    let base = 1.0 + rate;
    Ok((0..=months)
        .map(|t| initial * base.powf(f64::from(t)))
        .collect())
}

/// Reach `V(t) = V0 (1 + s)^t`, where `s` is the monthly share (spread) rate.
/// The same curve as [`compound`], kept separate so the CLI reads as the issue does.
pub fn reach(initial_views: f64, share_rate: f64, months: u32) -> Result<Vec<f64>, ForecastError> {
    compound(initial_views, share_rate, months)
}

/// Logistic growth with churn:
/// `A(t+1) = A(t) + r A(t) (1 - A(t)/K) - c A(t)`.
///
/// A member count cannot go below zero, so a step that would (only possible
/// with a start far above `capacity` or huge rates) is clamped to 0, after
/// which the community stays at 0 as the formula implies.
pub fn logistic(
    initial: f64,
    rate: f64,
    capacity: f64,
    churn: f64,
    months: u32,
) -> Result<Vec<f64>, ForecastError> {
    check_months(months)?;
    check_non_negative("--initial", initial)?;
    check_growth_rate("--rate", rate)?;
    check_positive("--capacity", capacity)?;
    check_fraction("--churn", churn)?;
    let mut values = Vec::with_capacity(months as usize + 1);
    let mut a = initial;
    values.push(a);
    for _ in 0..months {
        let next = a + rate * a * (1.0 - a / capacity) - churn * a;
        // f64::max drops NaN, so an overflowing step also lands on 0.
        a = next.max(0.0);
        values.push(a);
    }
    Ok(values)
}

/// Bass diffusion, cumulative adopters `N(t)` for `t = 0..=months`:
/// `n(t) = (p + q N(t-1)/m)(m - N(t-1))`, `N(t) = N(t-1) + n(t)`, `N(0) = initial`.
///
/// New adopters per month are the differences of consecutive values. If
/// `p + q > 1` a step can overshoot the market; `N` is then held at `m`,
/// since there is nobody left to adopt.
pub fn bass(
    market: f64,
    p: f64,
    q: f64,
    initial: f64,
    months: u32,
) -> Result<Vec<f64>, ForecastError> {
    check_months(months)?;
    check_positive("--market", market)?;
    check_fraction("--p", p)?;
    check_fraction("--q", q)?;
    check_non_negative("--initial", initial)?;
    if initial > market {
        return Err(ForecastError::InitialAboveMarket { initial, market });
    }
    let mut values = Vec::with_capacity(months as usize + 1);
    let mut n = initial;
    values.push(n);
    for _ in 0..months {
        let new = (p + q * n / market) * (market - n);
        n = (n + new).clamp(0.0, market);
        values.push(n);
    }
    Ok(values)
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

/// One month of a scenario table: `values[i]` belongs to `labels[i]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioRow {
    pub month: u32,
    pub values: Vec<f64>,
}

/// Several runs of one model side by side, one column per rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioTable {
    /// Column labels such as `r=5%`, in the order the rates were given.
    pub labels: Vec<String>,
    /// Rows for months `0..=months`.
    pub rows: Vec<ScenarioRow>,
}

impl ScenarioTable {
    /// The table as one `(label, values by month)` column per scenario,
    /// the shape a chart wants.
    pub fn columns(&self) -> Vec<(String, Vec<f64>)> {
        self.labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let values = self
                    .rows
                    .iter()
                    .map(|row| row.values.get(i).copied().unwrap_or(f64::NAN))
                    .collect();
                (label.clone(), values)
            })
            .collect()
    }
}

/// Runs `model(rate, months)` for each rate and lays the results out as rows.
///
/// Typical use: `scenarios(&rates, 12, |r, m| compound(100.0, r, m))`.
/// A model error for any rate is returned as is.
pub fn scenarios<F>(rates: &[f64], months: u32, model: F) -> Result<ScenarioTable, ForecastError>
where
    F: Fn(f64, u32) -> Result<Vec<f64>, ForecastError>,
{
    check_months(months)?;
    if rates.is_empty() {
        return Err(ForecastError::NoScenarios);
    }
    let labels: Vec<String> = rates
        .iter()
        .map(|&r| format!("r={}", format_rate(r)))
        .collect();
    let mut columns = Vec::with_capacity(rates.len());
    for (&rate, label) in rates.iter().zip(&labels) {
        let column = model(rate, months)?;
        if column.len() != months as usize + 1 {
            return Err(ForecastError::ScenarioLength {
                label: label.clone(),
                got: column.len(),
                months,
            });
        }
        columns.push(column);
    }
    let rows = (0..=months)
        .map(|month| ScenarioRow {
            month,
            values: columns
                .iter()
                .map(|c| c.get(month as usize).copied().unwrap_or(f64::NAN))
                .collect(),
        })
        .collect();
    Ok(ScenarioTable { labels, rows })
}

// ---------------------------------------------------------------------------
// Fitting
// ---------------------------------------------------------------------------

/// Why a rate could not be fitted to a monthly history.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    #[error("--fit needs at least {min} months with a value above 0; the history has {usable}{skipped_note}. Give --initial and --rate instead",
        min = MIN_FIT_POINTS,
        skipped_note = if *.skipped > 0 { format!(" ({} more skipped as 0 or missing)", .skipped) } else { String::new() })]
    TooFewPoints { usable: usize, skipped: usize },
    #[error(
        "--fit found a monthly rate too large to use (slope {slope} on the logarithm); check the monthly history"
    )]
    RateOutOfRange { slope: f64 },
}

/// Something the caller should show next to a fitted rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FitWarning {
    /// Months (indices into the series) left out because their value was 0,
    /// negative or not a number: a logarithm needs values above 0.
    SkippedNonPositive { months: Vec<usize> },
    /// The fit used fewer than [`SHORT_HISTORY_POINTS`] months.
    ShortHistory { points: usize },
    /// R² on the logarithm is below [`POOR_FIT_R_SQUARED`].
    PoorFit { r_squared: f64 },
}

impl std::fmt::Display for FitWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitWarning::SkippedNonPositive { months } => {
                let list: Vec<String> = months.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "skipped {} month(s) with no value above 0 (month {}): growth rates need positive counts",
                    months.len(),
                    list.join(", ")
                )
            }
            FitWarning::ShortHistory { points } => write!(
                f,
                "only {points} months of history: the fitted rate may change a lot as more months come in"
            ),
            FitWarning::PoorFit { r_squared } => write!(
                f,
                "poor fit (R² = {r_squared:.2}, below {POOR_FIT_R_SQUARED}): the history is not steady percentage growth, so treat the rate as a rough guess"
            ),
        }
    }
}

/// A log-linear fit `ln y = a + b t` of a monthly series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Monthly rate `e^b - 1`.
    pub rate: f64,
    /// `e^a`: the fitted value at month 0 of the series.
    pub fitted_initial: f64,
    /// The fitted value at the last usable month, `e^(a + b * last_month)`.
    pub fitted_last: f64,
    /// The last usable observed value; the usual start for a forecast from now.
    pub last_observed: f64,
    /// Index in the series of `last_observed`.
    pub last_month: usize,
    /// Coefficient of determination on the logarithm, in `[0, 1]`; 1 for a
    /// constant series (nothing left to explain).
    pub r_squared: f64,
    /// How many months entered the fit.
    pub points_used: usize,
    pub warnings: Vec<FitWarning>,
}

/// Fits `ln y = a + b t` by least squares, where `t` is each value's index in
/// `series` (month 0, 1, ...).
///
/// Values that are 0, negative or not finite are skipped with a
/// [`FitWarning::SkippedNonPositive`] (a community before launch has 0
/// members); the remaining months keep their own index, so gaps do not bend
/// the rate. Fewer than [`MIN_FIT_POINTS`] usable months is an error, because
/// two points always fit perfectly and say nothing about steadiness.
pub fn fit_log_linear(series: &[f64]) -> Result<Fit, FitError> {
    let mut skipped = Vec::new();
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(series.len());
    let mut last: Option<(usize, f64)> = None;
    for (i, &v) in series.iter().enumerate() {
        if v.is_finite() && v > 0.0 {
            points.push((i as f64, v.ln()));
            last = Some((i, v));
        } else {
            skipped.push(i);
        }
    }
    let n = points.len();
    let (last_month, last_observed) = match last {
        Some(l) if n >= MIN_FIT_POINTS => l,
        _ => {
            return Err(FitError::TooFewPoints {
                usable: n,
                skipped: skipped.len(),
            });
        }
    };
    let count = n as f64;
    let t_mean = points.iter().map(|p| p.0).sum::<f64>() / count;
    let y_mean = points.iter().map(|p| p.1).sum::<f64>() / count;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for &(t, y) in &points {
        let dt = t - t_mean;
        let dy = y - y_mean;
        sxx += dt * dt;
        sxy += dt * dy;
        syy += dy * dy;
    }
    // sxx > 0: at least three distinct indices.
    let slope = sxy / sxx;
    let intercept = y_mean - slope * t_mean;
    let ss_res: f64 = points
        .iter()
        .map(|&(t, y)| {
            let e = y - (intercept + slope * t);
            e * e
        })
        .sum();
    let r_squared = if syy > 0.0 {
        (1.0 - ss_res / syy).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let rate = slope.exp_m1();
    let fitted_initial = intercept.exp();
    let fitted_last = (intercept + slope * last_month as f64).exp();
    if !rate.is_finite() || !fitted_initial.is_finite() || !fitted_last.is_finite() {
        return Err(FitError::RateOutOfRange { slope });
    }
    let mut warnings = Vec::new();
    if !skipped.is_empty() {
        warnings.push(FitWarning::SkippedNonPositive { months: skipped });
    }
    if n < SHORT_HISTORY_POINTS {
        warnings.push(FitWarning::ShortHistory { points: n });
    }
    if r_squared < POOR_FIT_R_SQUARED {
        warnings.push(FitWarning::PoorFit { r_squared });
    }
    Ok(Fit {
        rate,
        fitted_initial,
        fitted_last,
        last_observed,
        last_month,
        r_squared,
        points_used: n,
        warnings,
    })
}

// ---------------------------------------------------------------------------
// Revenue
// ---------------------------------------------------------------------------

/// A membership tier as it stands today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    pub name: String,
    pub members: u64,
    /// Price per period in integer minor units (fen, cents).
    pub price_minor: i64,
    /// Months per billing period: 1 monthly, 12 yearly; 0 means free.
    pub period_months: u32,
}

/// Everything a revenue projection needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueInput {
    pub tiers: Vec<Tier>,
    /// Monthly churn as a fraction of current members, in `[0, 1]`.
    pub churn: f64,
    /// New members per month as a fraction of current members, `>= 0`.
    pub growth: f64,
    pub months: u32,
    /// Average monthly course revenue in minor units, held flat.
    pub course_revenue_minor: Option<i64>,
}

/// One projected month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueMonth {
    pub month: u32,
    /// Expected members per tier, unrounded, in the order of the input tiers.
    pub members: Vec<f64>,
    pub total_members: f64,
    /// Monthly recurring revenue from memberships, minor units.
    pub mrr_minor: i64,
    pub course_minor: i64,
    /// `mrr_minor + course_minor`.
    pub total_minor: i64,
    /// Sum of `total_minor` over months `1..=month`; 0 at month 0.
    pub cumulative_minor: i64,
}

/// A revenue projection for months `0..=months`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueProjection {
    pub tier_names: Vec<String>,
    pub months: Vec<RevenueMonth>,
}

/// Projects membership and revenue month by month.
///
/// - Every tier's members change by the same factor each month,
///   `1 + growth - churn`, so the tier mix stays as it is today.
/// - Member counts stay unrounded `f64` expectations: rounding each month
///   would freeze small tiers (1 member at +3% rounds back to 1 forever).
///   Round them only for display.
/// - A tier's MRR is `members * price_minor / period_months`, rounded half to
///   even to a whole minor unit once per tier and month, then summed. Month 0
///   is computed in exact integer arithmetic (`i128`); later months multiply
///   the `f64` member count. Yearly tiers are spread evenly (revenue, not cash
///   flow).
/// - Course revenue is the given average, the same every month.
/// - `cumulative_minor` counts months `1..=t` (month 0 is today, not future
///   income), with checked arithmetic: overflow is [`ForecastError::Overflow`].
pub fn project_revenue(input: &RevenueInput) -> Result<RevenueProjection, ForecastError> {
    check_months(input.months)?;
    check_fraction("--churn", input.churn)?;
    check_non_negative("--rate", input.growth)?;
    for tier in &input.tiers {
        if tier.price_minor < 0 {
            return Err(ForecastError::NegativePrice {
                name: tier.name.clone(),
                price_minor: tier.price_minor,
            });
        }
    }
    let course_minor = input.course_revenue_minor.unwrap_or(0);
    if course_minor < 0 {
        return Err(ForecastError::NegativeCourseRevenue {
            value: course_minor,
        });
    }
    // growth >= 0 and churn <= 1, so the factor is never negative.
    let factor = 1.0 + input.growth - input.churn;
    let mut months = Vec::with_capacity(input.months as usize + 1);
    let mut cumulative: i64 = 0;
    for month in 0..=input.months {
        let overflow = ForecastError::Overflow { month };
        let scale = factor.powf(f64::from(month));
        let members: Vec<f64> = input
            .tiers
            .iter()
            .map(|tier| tier.members as f64 * scale)
            .collect();
        let mut mrr: i64 = 0;
        for (tier, &count) in input.tiers.iter().zip(&members) {
            let tier_mrr = if month == 0 {
                tier_mrr_exact(tier)
            } else {
                tier_mrr_f64(tier, count)
            }
            .ok_or_else(|| overflow.clone())?;
            mrr = mrr.checked_add(tier_mrr).ok_or_else(|| overflow.clone())?;
        }
        let total = mrr
            .checked_add(course_minor)
            .ok_or_else(|| overflow.clone())?;
        if month > 0 {
            cumulative = cumulative.checked_add(total).ok_or(overflow)?;
        }
        months.push(RevenueMonth {
            month,
            total_members: members.iter().sum(),
            members,
            mrr_minor: mrr,
            course_minor,
            total_minor: total,
            cumulative_minor: cumulative,
        });
    }
    Ok(RevenueProjection {
        tier_names: input.tiers.iter().map(|t| t.name.clone()).collect(),
        months,
    })
}

fn tier_mrr_exact(tier: &Tier) -> Option<i64> {
    if tier.period_months == 0 {
        return Some(0);
    }
    // u64 * i64 < 2^127, so this cannot overflow i128.
    let numerator = i128::from(tier.members) * i128::from(tier.price_minor);
    let rounded = div_round_half_even(numerator, i128::from(tier.period_months));
    i64::try_from(rounded).ok()
}

fn tier_mrr_f64(tier: &Tier, members: f64) -> Option<i64> {
    if tier.period_months == 0 {
        return Some(0);
    }
    let value = members * tier.price_minor as f64 / f64::from(tier.period_months);
    f64_to_minor(value.round_ties_even())
}

/// `i64` range check for an already rounded `f64`; `as` would saturate silently.
fn f64_to_minor(value: f64) -> Option<i64> {
    // 2^63 is exactly representable; i64::MAX is not.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if value.is_finite() && (-LIMIT..LIMIT).contains(&value) {
        Some(value as i64)
    } else {
        None
    }
}

/// `n / d` rounded half to even, for `d > 0`.
fn div_round_half_even(n: i128, d: i128) -> i128 {
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    let twice = r * 2;
    if twice > d || (twice == d && q % 2 != 0) {
        q + 1
    } else {
        q
    }
}

/// Annual run rate: 12 x MRR, checked.
pub fn arr_minor(mrr_minor: i64) -> Result<i64, ForecastError> {
    mrr_minor
        .checked_mul(12)
        .ok_or(ForecastError::ArrOverflow { mrr_minor })
}

/// Average revenue per member, rounded half to even; `None` when there are no
/// members. Pass whichever count the report means (all or paying members).
pub fn arpu_minor(revenue_minor: i64, members: f64) -> Option<i64> {
    if !members.is_finite() || members <= 0.0 {
        return None;
    }
    f64_to_minor((revenue_minor as f64 / members).round_ties_even())
}

/// Lifetime value `ARPU / churn`, rounded half to even; `None` when churn is 0
/// (members never leave, so the value is unbounded) or not a usable number.
pub fn ltv_minor(arpu_minor: i64, churn: f64) -> Option<i64> {
    if !churn.is_finite() || churn <= 0.0 {
        return None;
    }
    f64_to_minor((arpu_minor as f64 / churn).round_ties_even())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    // --- rates ---

    #[test]
    fn parses_percent_fraction_negative_and_zero() {
        assert_eq!(parse_rate("10%").unwrap(), 0.1);
        assert_eq!(parse_rate("0.1").unwrap(), 0.1);
        assert_eq!(parse_rate("-5%").unwrap(), -0.05);
        assert_eq!(parse_rate("0").unwrap(), 0.0);
        assert_eq!(parse_rate(" 2.5 % ").unwrap(), 0.025);
        assert_eq!(parse_rate("10％").unwrap(), 0.1);
        assert_eq!(parse_rate("1").unwrap(), 1.0);
        assert_eq!(parse_rate("-0.5").unwrap(), -0.5);
    }

    #[test]
    fn percent_and_fraction_spellings_are_bit_identical() {
        assert_eq!(parse_rate("0.7%").unwrap(), parse_rate("0.007").unwrap());
        assert_eq!(parse_rate("7%").unwrap(), 0.07);
        assert_eq!(parse_rate("1e1%").unwrap(), 0.1);
    }

    #[test]
    fn bare_number_above_one_is_refused_with_a_hint() {
        let err = parse_rate("10").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--rate 10 would mean 1000% a month; write 10% or 0.1"
        );
        let err = parse_rate_flag("--churn", "-5").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--churn -5 would mean -500% a month; write -5% or -0.05"
        );
    }

    #[test]
    fn nan_infinity_and_garbage_are_refused() {
        for bad in ["NaN", "inf", "-inf", "infinity%", "nan%"] {
            assert!(
                matches!(parse_rate(bad), Err(RateError::NotFinite { .. })),
                "{bad}"
            );
        }
        for bad in ["%", "ten", "10%%", "0x10", "1,5"] {
            assert!(
                matches!(parse_rate(bad), Err(RateError::NotANumber { .. })),
                "{bad}"
            );
        }
        assert!(matches!(parse_rate("  "), Err(RateError::Empty { .. })));
    }

    #[test]
    fn rates_at_or_below_minus_hundred_percent_are_refused() {
        for bad in ["-100%", "-1", "-150%"] {
            assert!(
                matches!(parse_rate(bad), Err(RateError::AtOrBelowMinusOne { .. })),
                "{bad}"
            );
        }
        let err = parse_rate("-100%").unwrap_err().to_string();
        assert!(
            err.contains("--rate -100%") && err.contains("above -100%"),
            "{err}"
        );
        assert!(parse_rate("-99.9%").is_ok());
    }

    #[test]
    fn rate_lists_keep_order_and_refuse_empty_items_and_duplicates() {
        assert_eq!(parse_rates("5%,10%,20%").unwrap(), vec![0.05, 0.1, 0.2]);
        assert_eq!(parse_rates("5% , 0.1，20%").unwrap(), vec![0.05, 0.1, 0.2]);
        assert!(matches!(
            parse_rates("5%,,10%"),
            Err(RateError::EmptyItem { .. })
        ));
        assert!(matches!(
            parse_rates("5%,"),
            Err(RateError::EmptyItem { .. })
        ));
        let err = parse_rates("10%,0.1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--rate lists 10% more than once; each scenario needs a different rate"
        );
        assert!(matches!(
            parse_rates("5%,10"),
            Err(RateError::BareTooLarge { .. })
        ));
    }

    #[test]
    fn rates_format_as_trimmed_percentages() {
        assert_eq!(format_rate(0.1), "10%");
        assert_eq!(format_rate(0.025), "2.5%");
        assert_eq!(format_rate(-0.05), "-5%");
        assert_eq!(format_rate(0.0), "0%");
        assert_eq!(format_rate(-0.0), "0%");
        assert_eq!(format_rate(-1e-9), "0%");
        assert_eq!(format_rate(0.07), "7%");
        assert_eq!(format_rate(0.123456), "12.3456%");
        assert_eq!(format_rate(f64::INFINITY), "inf%");
    }

    // --- models ---

    #[test]
    fn compound_matches_worked_example() {
        let v = compound(100.0, 0.1, 12).unwrap();
        assert_eq!(v.len(), 13);
        assert_eq!(v[0], 100.0);
        assert!((v[1] - 110.0).abs() < 1e-12);
        assert!((v[12] - 313.842_837_672_1).abs() < 1e-9, "{}", v[12]);
        assert_eq!(format!("{:.10}", v[12]), "313.8428376721");
    }

    #[test]
    fn reach_matches_worked_example() {
        let v = reach(100.0, parse_rate("20%").unwrap(), 12).unwrap();
        assert_eq!(v.len(), 13);
        assert!((v[12] - 891.610_044_825_6).abs() < 1e-9, "{}", v[12]);
        assert_eq!(format!("{:.10}", v[12]), "891.6100448256");
    }

    #[test]
    fn zero_month_forecast_is_just_the_start() {
        assert_eq!(compound(42.0, 0.5, 0).unwrap(), vec![42.0]);
    }

    #[test]
    fn models_refuse_too_many_months_and_bad_parameters() {
        assert!(matches!(
            compound(1.0, 0.1, MAX_MONTHS + 1),
            Err(ForecastError::TooManyMonths { .. })
        ));
        assert!(compound(1.0, 0.1, MAX_MONTHS).is_ok());
        assert!(matches!(
            compound(-1.0, 0.1, 3),
            Err(ForecastError::Negative {
                flag: "--initial",
                ..
            })
        ));
        assert!(matches!(
            compound(1.0, -1.0, 3),
            Err(ForecastError::RateTooLow { .. })
        ));
        assert!(matches!(
            compound(f64::NAN, 0.1, 3),
            Err(ForecastError::NotFinite { .. })
        ));
        assert!(matches!(
            logistic(1.0, 0.1, 0.0, 0.0, 3),
            Err(ForecastError::NotPositive {
                flag: "--capacity",
                ..
            })
        ));
        let err = logistic(1.0, 0.1, 10.0, 1.5, 3).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--churn 150% is out of range: it must be between 0% and 100%"
        );
        assert!(matches!(
            bass(100.0, 0.03, 0.38, 200.0, 3),
            Err(ForecastError::InitialAboveMarket { .. })
        ));
        assert!(matches!(
            bass(0.0, 0.03, 0.38, 0.0, 3),
            Err(ForecastError::NotPositive {
                flag: "--market",
                ..
            })
        ));
    }

    #[test]
    fn logistic_follows_its_recurrence() {
        let v = logistic(100.0, 0.2, 5000.0, 0.02, 36).unwrap();
        assert_eq!(v.len(), 37);
        let mut a = 100.0_f64;
        for (t, &value) in v.iter().enumerate() {
            assert_eq!(value, a, "month {t}");
            a = a + 0.2 * a * (1.0 - a / 5000.0) - 0.02 * a;
        }
        // First step by hand: 100 + 0.2*100*(1-0.02) - 2 = 117.6
        assert!((v[1] - 117.6).abs() < 1e-12);
    }

    #[test]
    fn logistic_settles_at_capacity_reduced_by_churn() {
        // Fixed point: r(1 - A/K) = c  =>  A = K (1 - c/r) = 5000 * 0.9 = 4500.
        // Two longest runs back to back: convergence is geometric (factor 0.82 a month).
        let first = logistic(100.0, 0.2, 5000.0, 0.02, MAX_MONTHS).unwrap();
        let v = logistic(first[MAX_MONTHS as usize], 0.2, 5000.0, 0.02, MAX_MONTHS).unwrap();
        assert!(close(v[MAX_MONTHS as usize], 4500.0, 1e-9));
    }

    #[test]
    fn logistic_never_goes_negative() {
        let v = logistic(1e12, 0.9, 1.0, 0.5, 5).unwrap();
        assert!(v.iter().all(|&x| x >= 0.0));
        assert_eq!(v[1], 0.0);
    }

    #[test]
    fn bass_follows_its_recurrence() {
        let v = bass(20000.0, 0.03, 0.38, 0.0, 36).unwrap();
        assert_eq!(v.len(), 37);
        assert_eq!(v[0], 0.0);
        // n(1) = p m = 600; n(2) = (0.03 + 0.38*600/20000)(19400) = 0.0414*19400.
        assert!((v[1] - 600.0).abs() < 1e-9);
        assert!((v[2] - (600.0 + 0.0414 * 19400.0)).abs() < 1e-9);
        let mut n = 0.0_f64;
        for &value in &v {
            assert_eq!(value, n);
            n += (0.03 + 0.38 * n / 20000.0) * (20000.0 - n);
        }
        assert!(v.windows(2).all(|w| w[1] >= w[0]));
        assert!(v[36] <= 20000.0);
    }

    #[test]
    fn bass_with_overshooting_parameters_is_held_at_the_market() {
        let v = bass(100.0, 1.0, 1.0, 50.0, 5).unwrap();
        assert!(v.iter().all(|&x| (0.0..=100.0).contains(&x)));
    }

    // --- scenarios ---

    #[test]
    fn scenario_table_has_a_column_per_rate_with_labels() {
        let rates = parse_rates("5%,10%,20%").unwrap();
        let table = scenarios(&rates, 24, |r, m| compound(100.0, r, m)).unwrap();
        assert_eq!(table.labels, vec!["r=5%", "r=10%", "r=20%"]);
        assert_eq!(table.rows.len(), 25);
        assert_eq!(table.rows[0].month, 0);
        assert_eq!(table.rows[0].values, vec![100.0, 100.0, 100.0]);
        let last = &table.rows[24];
        assert_eq!(last.month, 24);
        assert!(close(last.values[1], 100.0 * 1.1_f64.powi(24), 1e-12));
        let columns = table.columns();
        assert_eq!(columns.len(), 3);
        assert_eq!(columns[2].0, "r=20%");
        assert_eq!(columns[2].1.len(), 25);
    }

    #[test]
    fn scenario_table_refuses_no_rates_and_passes_model_errors_on() {
        assert_eq!(
            scenarios(&[], 3, |r, m| compound(1.0, r, m)),
            Err(ForecastError::NoScenarios)
        );
        assert!(matches!(
            scenarios(&[0.1, -2.0], 3, |r, m| compound(1.0, r, m)),
            Err(ForecastError::RateTooLow { .. })
        ));
        assert!(matches!(
            scenarios(&[0.1], 3, |_, _| Ok(vec![1.0])),
            Err(ForecastError::ScenarioLength { got: 1, .. })
        ));
    }

    // --- fitting ---

    #[test]
    fn fit_recovers_a_noise_free_rate_exactly() {
        let series = compound(100.0, 0.1, 12).unwrap();
        let fit = fit_log_linear(&series).unwrap();
        assert!((fit.rate - 0.1).abs() < 1e-12, "{}", fit.rate);
        assert!((fit.fitted_initial - 100.0).abs() < 1e-9);
        assert!((fit.fitted_last - series[12]).abs() < 1e-9);
        assert_eq!(fit.last_observed, series[12]);
        assert_eq!(fit.last_month, 12);
        assert!(fit.r_squared > 1.0 - 1e-12);
        assert_eq!(fit.points_used, 13);
        assert!(fit.warnings.is_empty());
    }

    #[test]
    fn fit_recovers_a_noisy_rate_approximately() {
        // Deterministic +-3% noise.
        let series: Vec<f64> = (0..24)
            .map(|t| {
                let t = f64::from(t);
                250.0 * 1.07_f64.powf(t) * (1.0 + 0.03 * (t * 1.7).sin())
            })
            .collect();
        let fit = fit_log_linear(&series).unwrap();
        assert!((fit.rate - 0.07).abs() < 0.003, "{}", fit.rate);
        assert!(fit.r_squared > 0.95);
        assert!(fit.warnings.is_empty());
    }

    #[test]
    fn fit_skips_non_positive_months_but_keeps_month_indices() {
        let mut series = vec![0.0, -3.0, f64::NAN];
        series.extend((3..10).map(|t| 10.0 * 1.2_f64.powi(t)));
        let fit = fit_log_linear(&series).unwrap();
        assert!((fit.rate - 0.2).abs() < 1e-12);
        assert!((fit.fitted_initial - 10.0).abs() < 1e-9);
        assert_eq!(fit.points_used, 7);
        assert_eq!(
            fit.warnings[0],
            FitWarning::SkippedNonPositive {
                months: vec![0, 1, 2]
            }
        );
        assert!(fit.warnings[0].to_string().contains("month 0, 1, 2"));
    }

    #[test]
    fn fit_refuses_fewer_than_three_usable_months() {
        let err = fit_log_linear(&[0.0, 10.0, 11.0]).unwrap_err();
        assert_eq!(
            err,
            FitError::TooFewPoints {
                usable: 2,
                skipped: 1
            }
        );
        assert!(err.to_string().contains("at least 3 months"));
        assert!(fit_log_linear(&[]).is_err());
        assert!(fit_log_linear(&[5.0]).is_err());
    }

    #[test]
    fn fit_warns_on_short_history_and_poor_fit() {
        let fit = fit_log_linear(&[10.0, 11.0, 12.1]).unwrap();
        assert!(
            fit.warnings
                .contains(&FitWarning::ShortHistory { points: 3 })
        );
        let zigzag = [10.0, 100.0, 10.0, 100.0, 10.0, 100.0, 10.0, 100.0];
        let fit = fit_log_linear(&zigzag).unwrap();
        assert!(fit.r_squared < POOR_FIT_R_SQUARED);
        assert!(matches!(
            fit.warnings.last(),
            Some(FitWarning::PoorFit { .. })
        ));
    }

    #[test]
    fn fit_of_a_flat_series_is_zero_rate_and_perfect() {
        let fit = fit_log_linear(&[7.0; 8]).unwrap();
        assert_eq!(fit.rate, 0.0);
        assert_eq!(fit.r_squared, 1.0);
    }

    #[test]
    fn fit_refuses_an_unusable_rate() {
        let err = fit_log_linear(&[1e-300, 1e300, 1e-300, 1e300]);
        assert!(err.is_ok() || matches!(err, Err(FitError::RateOutOfRange { .. })));
        let steep = [f64::MIN_POSITIVE, 1e300, f64::MAX];
        assert!(matches!(
            fit_log_linear(&steep),
            Err(FitError::RateOutOfRange { .. })
        ));
    }

    // --- revenue ---

    fn tiers() -> Vec<Tier> {
        vec![
            Tier {
                name: "monthly".into(),
                members: 40,
                price_minor: 9900,
                period_months: 1,
            },
            Tier {
                name: "yearly".into(),
                members: 10,
                price_minor: 99_900,
                period_months: 12,
            },
            Tier {
                name: "free".into(),
                members: 500,
                price_minor: 0,
                period_months: 0,
            },
        ]
    }

    #[test]
    fn revenue_month_zero_is_exact_integer_mrr() {
        let input = RevenueInput {
            tiers: tiers(),
            churn: 0.0,
            growth: 0.0,
            months: 12,
            course_revenue_minor: Some(20_000),
        };
        let p = project_revenue(&input).unwrap();
        assert_eq!(p.months.len(), 13);
        assert_eq!(p.tier_names, vec!["monthly", "yearly", "free"]);
        let m0 = &p.months[0];
        // 40*9900 + 10*99900/12 = 396000 + 83250
        assert_eq!(m0.mrr_minor, 479_250);
        assert_eq!(m0.total_minor, 499_250);
        assert_eq!(m0.cumulative_minor, 0);
        assert_eq!(m0.total_members, 550.0);
        // Flat: every month the same, cumulative counts months 1..=12.
        assert_eq!(p.months[12].mrr_minor, 479_250);
        assert_eq!(p.months[12].cumulative_minor, 12 * 499_250);
    }

    #[test]
    fn revenue_rounds_half_to_even_per_tier() {
        // 1 member * 6 / 12 = 0.5 -> 0; 3 * 6 / 12 = 1.5 -> 2.
        let tier = |members| Tier {
            name: "y".into(),
            members,
            price_minor: 6,
            period_months: 12,
        };
        for (members, expected) in [(1, 0), (3, 2), (5, 2), (7, 4)] {
            let input = RevenueInput {
                tiers: vec![tier(members)],
                churn: 0.0,
                growth: 0.0,
                months: 1,
                course_revenue_minor: None,
            };
            let p = project_revenue(&input).unwrap();
            assert_eq!(p.months[0].mrr_minor, expected, "month 0, {members}");
            assert_eq!(p.months[1].mrr_minor, expected, "month 1, {members}");
        }
    }

    #[test]
    fn revenue_grows_by_growth_minus_churn() {
        let input = RevenueInput {
            tiers: tiers(),
            churn: 0.03,
            growth: 0.10,
            months: 12,
            course_revenue_minor: None,
        };
        let p = project_revenue(&input).unwrap();
        let factor = 1.07_f64.powf(12.0);
        let m12 = &p.months[12];
        assert!(close(m12.members[0], 40.0 * factor, 1e-12));
        let expected = (40.0 * factor * 9900.0).round_ties_even()
            + (10.0 * factor * 99_900.0 / 12.0).round_ties_even();
        assert_eq!(m12.mrr_minor, expected as i64);
        let sum: i64 = p.months[1..].iter().map(|m| m.total_minor).sum();
        assert_eq!(m12.cumulative_minor, sum);
    }

    #[test]
    fn revenue_overflow_is_an_error_not_a_wrap() {
        let input = RevenueInput {
            tiers: vec![Tier {
                name: "whale".into(),
                members: u64::MAX,
                price_minor: i64::MAX,
                period_months: 1,
            }],
            churn: 0.0,
            growth: 0.0,
            months: 3,
            course_revenue_minor: None,
        };
        assert_eq!(
            project_revenue(&input),
            Err(ForecastError::Overflow { month: 0 })
        );
        let input = RevenueInput {
            tiers: vec![Tier {
                name: "big".into(),
                members: 1,
                price_minor: i64::MAX / 4,
                period_months: 1,
            }],
            churn: 0.0,
            growth: 0.0,
            months: 12,
            course_revenue_minor: None,
        };
        let err = project_revenue(&input).unwrap_err();
        assert!(matches!(err, ForecastError::Overflow { month } if month > 1));
    }

    #[test]
    fn revenue_refuses_bad_inputs() {
        let mut bad = tiers();
        bad[0].price_minor = -1;
        let input = RevenueInput {
            tiers: bad,
            churn: 0.0,
            growth: 0.0,
            months: 1,
            course_revenue_minor: None,
        };
        let err = project_revenue(&input).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tier \"monthly\" has price -1, which is negative: prices must be 0 or more"
        );
        let input = RevenueInput {
            tiers: tiers(),
            churn: 0.0,
            growth: -0.1,
            months: 1,
            course_revenue_minor: None,
        };
        assert!(matches!(
            project_revenue(&input),
            Err(ForecastError::Negative { flag: "--rate", .. })
        ));
        let input = RevenueInput {
            tiers: tiers(),
            churn: 0.0,
            growth: 0.0,
            months: 1,
            course_revenue_minor: Some(-5),
        };
        assert!(matches!(
            project_revenue(&input),
            Err(ForecastError::NegativeCourseRevenue { value: -5 })
        ));
    }

    #[test]
    fn revenue_with_no_tiers_is_course_revenue_only() {
        let input = RevenueInput {
            tiers: vec![],
            churn: 0.5,
            growth: 0.0,
            months: 2,
            course_revenue_minor: Some(100),
        };
        let p = project_revenue(&input).unwrap();
        assert_eq!(p.months[2].total_minor, 100);
        assert_eq!(p.months[2].cumulative_minor, 200);
    }

    #[test]
    fn arr_arpu_and_ltv_helpers() {
        assert_eq!(arr_minor(479_250), Ok(5_751_000));
        assert!(matches!(
            arr_minor(i64::MAX / 2),
            Err(ForecastError::ArrOverflow { .. })
        ));
        assert_eq!(arpu_minor(1000, 3.0), Some(333));
        assert_eq!(arpu_minor(5, 2.0), Some(2)); // 2.5 -> 2 (half to even)
        assert_eq!(arpu_minor(1000, 0.0), None);
        assert_eq!(ltv_minor(9900, 0.03), Some(330_000));
        assert_eq!(ltv_minor(9900, 0.0), None);
        assert_eq!(ltv_minor(i64::MAX, 1e-300), None);
    }

    proptest! {
        #[test]
        fn formatted_rates_parse_back(r in -0.99f64..50.0) {
            let text = format_rate(r);
            let back = parse_rate(&text).unwrap();
            prop_assert!((back - r).abs() <= 0.5e-6 + 1e-12 * r.abs());
        }

        #[test]
        fn parse_rate_never_panics(s in "\\PC{0,12}") {
            let _ = parse_rate(&s);
            let _ = parse_rates(&s);
        }

        #[test]
        fn compound_matches_repeated_multiplication(
            initial in 0.0f64..1e6, rate in -0.9f64..1.0, months in 0u32..60
        ) {
            let v = compound(initial, rate, months).unwrap();
            prop_assert_eq!(v.len(), months as usize + 1);
            let mut a = initial;
            for &x in &v {
                prop_assert!(close(x, a, 1e-11));
                a *= 1.0 + rate;
            }
        }

        #[test]
        fn fit_recovers_any_steady_rate(
            initial in 1.0f64..1e6, rate in -0.5f64..1.0, n in 3usize..40
        ) {
            let series = compound(initial, rate, (n - 1) as u32).unwrap();
            let fit = fit_log_linear(&series).unwrap();
            prop_assert!((fit.rate - rate).abs() < 1e-9);
            prop_assert!(close(fit.fitted_initial, initial, 1e-9));
        }

        #[test]
        fn revenue_never_panics(
            members in proptest::collection::vec(any::<u64>(), 0..4),
            price in any::<i64>(),
            period in any::<u32>(),
            churn in 0.0f64..=1.0,
            growth in 0.0f64..5.0,
            months in 0u32..50,
            course in proptest::option::of(any::<i64>()),
        ) {
            let tiers = members.into_iter().map(|m| Tier {
                name: "t".into(), members: m, price_minor: price, period_months: period,
            }).collect();
            let _ = project_revenue(&RevenueInput {
                tiers, churn, growth, months, course_revenue_minor: course,
            });
        }
    }
}
