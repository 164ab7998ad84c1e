//! Income value types and the arithmetic of the revenue report: payment kinds, how a fee is
//! spread over the months it pays for (MRR), ARPU and month-on-month change.
//!
//! Pure: integer money only, no floats, no SQL beyond ToSql/FromSql, no terminal.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use thiserror::Error;

use crate::dates::YearMonth;
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "invalid kind {0:?}: expected one of membership, course, qa, sponsorship, ad, other (refunds are made with `community revenue refund`)"
)]
pub struct InvalidKind(pub String);

/// What a payment was for. `Refund` is only ever made by refunding another payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Membership,
    Course,
    /// A paid question (付费问答).
    Qa,
    Sponsorship,
    Ad,
    Other,
    Refund,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Membership,
        Kind::Course,
        Kind::Qa,
        Kind::Sponsorship,
        Kind::Ad,
        Kind::Other,
        Kind::Refund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Membership => "membership",
            Kind::Course => "course",
            Kind::Qa => "qa",
            Kind::Sponsorship => "sponsorship",
            Kind::Ad => "ad",
            Kind::Other => "other",
            Kind::Refund => "refund",
        }
    }

    /// A kind a person may record directly (`revenue add`, imports): any but `refund`.
    pub fn income(text: &str) -> Result<Kind, InvalidKind> {
        text.parse::<Kind>()
            .ok()
            .filter(|k| *k != Kind::Refund)
            .ok_or_else(|| InvalidKind(text.to_string()))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = InvalidKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower)
            .ok_or_else(|| InvalidKind(s.to_string()))
    }
}

impl ToSql for Kind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Kind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: InvalidKind| FromSqlError::Other(Box::new(e)))
    }
}

/// A month as a plain integer (`year * 12 + month - 1`), so SQL and Rust can do month
/// arithmetic with `+` and `-`.
pub fn month_index(month: YearMonth) -> i64 {
    i64::from(month.year()) * 12 + i64::from(month.month()) - 1
}

/// The month a [`month_index`] stands for; `None` outside the calendar.
pub fn month_of_index(index: i64) -> Option<YearMonth> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    YearMonth::new(year, month)
}

/// The month index of a date.
pub fn date_month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The MRR rule: a fee of `amount` paying for `months` months counts `amount / months` in each
/// calendar month from the one its period starts in, whatever the day (a one-month fee paid
/// on 31 January counts wholly in January; a 12-month fee from 15 March counts 1/12 in each of
/// March to February). Money stays exact: the minor units left over by the division go one
/// each to the first months, so the shares always add up to the amount. A negative amount (a
/// refund) is spread as the mirror image of the positive one, so refunding a fee in full
/// cancels it in every month.
///
/// Returns the share of each month, first month first; empty when `months` is 0.
pub fn spread(amount: Money, months: u32) -> Vec<Money> {
    let n = i64::from(months);
    if n == 0 {
        return Vec::new();
    }
    let sign = amount.minor().signum();
    // The magnitude of i64::MIN does not fit in i64; no real amount gets near it.
    let magnitude = i64::try_from(amount.minor().unsigned_abs()).unwrap_or(i64::MAX);
    let (base, extra) = (magnitude / n, magnitude % n);
    (0..n)
        .map(|i| Money::from_minor(sign * (base + i64::from(i < extra))))
        .collect()
}

/// The share of month `offset` (0 = the month the period starts in) of [`spread`]`(amount,
/// months)`, without building the whole spread; zero outside the period.
pub fn share(amount: Money, months: u32, offset: i64) -> Money {
    let n = i64::from(months);
    if offset < 0 || offset >= n {
        return Money::ZERO;
    }
    let sign = amount.minor().signum();
    let magnitude = i64::try_from(amount.minor().unsigned_abs()).unwrap_or(i64::MAX);
    let (base, extra) = (magnitude / n, magnitude % n);
    Money::from_minor(sign * (base + i64::from(offset < extra)))
}

/// [`spread`] as at most three steps of a running total, `(month offset, change)`: summed per
/// month over all fees, then [`mrr_by_month`] turns them into MRR, so that five million
/// payments cost one indexed scan and a prefix sum instead of a row per payment and month.
pub fn mrr_steps(amount: Money, months: u32) -> Vec<(i64, i64)> {
    let n = i64::from(months);
    if n == 0 {
        return Vec::new();
    }
    let sign = amount.minor().signum();
    let magnitude = i64::try_from(amount.minor().unsigned_abs()).unwrap_or(i64::MAX);
    let (base, extra) = (magnitude / n, magnitude % n);
    let mut steps = vec![(0, sign * (base + i64::from(extra > 0)))];
    if extra > 0 {
        steps.push((extra, -sign));
    }
    steps.push((n, -sign * base));
    steps
}

/// Turns summed steps (sorted or not) into MRR per month for `first..=last` (month indexes).
pub fn mrr_by_month(steps: &[(i64, i64)], first: i64, last: i64) -> Vec<(i64, Money)> {
    let mut sorted: Vec<(i64, i64)> = steps.to_vec();
    sorted.sort_unstable();
    let mut running: i64 = 0;
    let mut next = sorted.iter().peekable();
    let mut out = Vec::new();
    for month in first..=last {
        while let Some((_, delta)) = next.next_if(|(m, _)| *m <= month) {
            running = running.saturating_add(*delta);
        }
        out.push((month, Money::from_minor(running)));
    }
    out
}

/// `numerator / denominator` rounded to the nearest minor unit, halves away from zero;
/// `None` when there is nothing to divide by. Used for ARPU.
pub fn divide_rounded(numerator: Money, denominator: i64) -> Option<Money> {
    if denominator <= 0 {
        return None;
    }
    let (n, d) = (i128::from(numerator.minor()), i128::from(denominator));
    let q = (n.abs() * 2 + d) / (d * 2);
    i64::try_from(if n < 0 { -q } else { q })
        .ok()
        .map(Money::from_minor)
}

/// Month-on-month change of `now` against `before` in percent with one decimal (`"12.5"`,
/// `"-3.0"`), rounded half away from zero; `None` when `before` is not positive, as a change
/// from nothing or from a net refund has no meaningful percentage.
pub fn change_percent(now: Money, before: Money) -> Option<String> {
    if !before.is_positive() {
        return None;
    }
    let (now, before) = (i128::from(now.minor()), i128::from(before.minor()));
    let diff = (now - before) * 1000;
    let tenths = (diff.abs() * 2 + before) / (before * 2);
    let sign = if diff < 0 && tenths > 0 { "-" } else { "" };
    Some(format!("{sign}{}.{}", tenths / 10, tenths % 10))
}

/// A share of a whole in percent with one decimal, as [`change_percent`] rounds.
pub fn percent_of(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 || part < 0 {
        return None;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    let tenths = (part * 2000 + whole) / (whole * 2);
    Some(format!("{}.{}", tenths / 10, tenths % 10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn share_is_one_month_of_the_spread() {
        for (amount, months) in [(100_001, 12), (-100_001, 12), (99, 1), (7, 3)] {
            let spread = spread(m(amount), months);
            for (k, expected) in spread.iter().enumerate() {
                assert_eq!(share(m(amount), months, k as i64), *expected);
            }
            assert_eq!(share(m(amount), months, -1), Money::ZERO);
            assert_eq!(share(m(amount), months, i64::from(months)), Money::ZERO);
        }
    }

    fn m(minor: i64) -> Money {
        Money::from_minor(minor)
    }

    fn minors(v: Vec<Money>) -> Vec<i64> {
        v.into_iter().map(Money::minor).collect()
    }

    #[test]
    fn kinds_parse_any_case_and_refund_is_not_income() {
        assert_eq!("QA".parse::<Kind>().unwrap(), Kind::Qa);
        assert_eq!(Kind::income(" sponsorship ").unwrap(), Kind::Sponsorship);
        let err = Kind::income("refund").unwrap_err().to_string();
        assert!(
            err.contains("\"refund\"") && err.contains("revenue refund"),
            "{err}"
        );
        assert!(Kind::income("tip").is_err());
    }

    #[test]
    fn a_yearly_fee_counts_a_twelfth_each_month_with_the_remainder_first() {
        // ¥299.00 = 29900 fen = 12 x 2491 + 8: the first 8 months get one fen more.
        let shares = minors(spread(m(29900), 12));
        assert_eq!(shares[..8], [2492; 8]);
        assert_eq!(shares[8..], [2491; 4]);
        assert_eq!(shares.iter().sum::<i64>(), 29900);
        assert_eq!(minors(spread(m(1200), 12)), [100; 12]);
        assert_eq!(minors(spread(m(19900), 1)), [19900]);
        assert!(spread(m(100), 0).is_empty());
    }

    #[test]
    fn a_refund_spreads_as_the_mirror_image_so_a_full_refund_cancels_each_month() {
        let paid = spread(m(29900), 12);
        let refunded = spread(m(-29900), 12);
        for (p, r) in paid.iter().zip(&refunded) {
            assert_eq!(p.minor() + r.minor(), 0);
        }
    }

    #[test]
    fn steps_sum_to_the_spread_month_by_month() {
        // A payment starting in month 100 for 12 months, and one in month 105 for 1 month.
        let mut steps = Vec::new();
        for (start, amount, months) in [(100, 29900, 12), (105, 9900, 1)] {
            steps.extend(
                mrr_steps(m(amount), months)
                    .into_iter()
                    .map(|(o, d)| (start + o, d)),
            );
        }
        let mrr = mrr_by_month(&steps, 99, 113);
        let values: Vec<i64> = mrr.iter().map(|(_, v)| v.minor()).collect();
        assert_eq!(
            values,
            [
                0, 2492, 2492, 2492, 2492, 2492, 12392, 2492, 2492, 2491, 2491, 2491, 2491, 0, 0
            ]
        );
    }

    #[test]
    fn month_indexes_round_trip() {
        let jan = YearMonth::new(2026, 1).unwrap();
        assert_eq!(month_index(jan), 2026 * 12);
        assert_eq!(month_of_index(2026 * 12 - 1), YearMonth::new(2025, 12));
        assert_eq!(
            date_month_index(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()),
            month_index(jan)
        );
    }

    #[test]
    fn arpu_rounds_half_away_from_zero() {
        assert_eq!(divide_rounded(m(1000), 3), Some(m(333)));
        assert_eq!(divide_rounded(m(1001), 2), Some(m(501)));
        assert_eq!(divide_rounded(m(-1001), 2), Some(m(-501)));
        assert_eq!(divide_rounded(m(1000), 0), None);
    }

    #[test]
    fn change_is_a_percentage_with_one_decimal() {
        assert_eq!(change_percent(m(1125), m(1000)).as_deref(), Some("12.5"));
        assert_eq!(change_percent(m(970), m(1000)).as_deref(), Some("-3.0"));
        assert_eq!(change_percent(m(1000), m(1000)).as_deref(), Some("0.0"));
        assert_eq!(change_percent(m(2), m(3)).as_deref(), Some("-33.3"));
        assert_eq!(change_percent(m(1000), m(0)), None);
        assert_eq!(change_percent(m(1000), m(-5)), None);
        assert_eq!(percent_of(1, 3).as_deref(), Some("33.3"));
        assert_eq!(percent_of(2, 3).as_deref(), Some("66.7"));
        assert_eq!(percent_of(0, 0), None);
    }

    proptest! {
        #[test]
        fn spread_is_exact_even_and_front_loaded(amount in -10_000_000_000i64..10_000_000_000, months in 1u32..=120) {
            let shares = minors(spread(m(amount), months));
            prop_assert_eq!(shares.len(), months as usize);
            prop_assert_eq!(shares.iter().sum::<i64>(), amount);
            let (hi, lo) = (shares.iter().map(|s| s.abs()).max(), shares.iter().map(|s| s.abs()).min());
            prop_assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1));
            prop_assert!(shares.windows(2).all(|w| w[0].abs() >= w[1].abs()));
        }

        #[test]
        fn steps_agree_with_spread(amount in -10_000_000i64..10_000_000, months in 1u32..=36) {
            let steps = mrr_steps(m(amount), months);
            let by_month: Vec<i64> = mrr_by_month(&steps, -1, i64::from(months))
                .into_iter().map(|(_, v)| v.minor()).collect();
            let mut expected = vec![0];
            expected.extend(minors(spread(m(amount), months)));
            expected.push(0);
            prop_assert_eq!(by_month, expected);
        }
    }
}
