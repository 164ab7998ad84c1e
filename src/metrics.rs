//! Pure arithmetic of the member reports: monthly flows, growth, churn and cohort retention
//! from the grouped counts `db::metrics` returns. No SQL, no I/O, no formatting beyond the
//! one-decimal percentages every report shares. README ("Reports and the summary") defines
//! each figure; the tests here work them out by hand.

use crate::dates::YearMonth;
use crate::db::metrics::Flow;
use crate::revenue::month_index;

/// New and churned members of one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthFlow {
    /// Joined in the month (and had access for at least a day).
    pub new: u64,
    /// Access ended in the month (left, or lapsed: the day after expires_at).
    pub churned: u64,
    /// Of `churned`, those who joined before the month: the members lost from its start.
    pub churned_from_start: u64,
}

/// The flows of each of `months`.
pub fn month_flows(flows: &[Flow], months: &[YearMonth]) -> Vec<MonthFlow> {
    months
        .iter()
        .map(|&month| {
            let mut out = MonthFlow::default();
            for f in flows {
                if f.joined == month {
                    out.new += f.members;
                }
                if f.ended == Some(month) {
                    out.churned += f.members;
                    if f.joined < month {
                        out.churned_from_start += f.members;
                    }
                }
            }
            out
        })
        .collect()
}

/// Members with access at the end of `month` (at today for today's month): those who joined
/// by then and whose access ended in a later month or not at all. Equal to
/// `db::series::members_at` at that day (a test in db::metrics holds it).
pub fn active_at(flows: &[Flow], month: YearMonth) -> u64 {
    flows
        .iter()
        .filter(|f| f.joined <= month && f.ended.is_none_or(|e| e > month))
        .map(|f| f.members)
        .sum()
}

/// One cohort: the members who joined in a month, and how many of them still had access at
/// the end of each month since (0 = the join month itself), up to the month of today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cohort {
    pub joined: YearMonth,
    pub size: u64,
    pub retained: Vec<u64>,
}

/// Cohorts of the join months `first..=last`, each followed up to `now` (today's month,
/// whose "end" is today). Months without joiners are left out.
pub fn cohorts(flows: &[Flow], first: YearMonth, last: YearMonth, now: YearMonth) -> Vec<Cohort> {
    let mut out: Vec<Cohort> = Vec::new();
    let mut month = Some(first);
    while let Some(joined) = month.filter(|m| *m <= last) {
        let members: Vec<&Flow> = flows.iter().filter(|f| f.joined == joined).collect();
        let size: u64 = members.iter().map(|f| f.members).sum();
        if size > 0 {
            let span = (month_index(now) - month_index(joined)).max(0);
            let retained = (0..=span)
                .map(|k| {
                    let at = month_index(joined) + k;
                    members
                        .iter()
                        .filter(|f| f.ended.is_none_or(|e| month_index(e) > at))
                        .map(|f| f.members)
                        .sum()
                })
                .collect();
            out.push(Cohort {
                joined,
                size,
                retained,
            });
        }
        month = joined.next();
    }
    out
}

/// `part / whole` in percent with one decimal, rounded half away from zero (`"-3.5"`);
/// `None` when `whole` is not positive.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 {
        return None;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    let tenths = (part.abs() * 2000 + whole) / (whole * 2);
    let sign = if part < 0 && tenths > 0 { "-" } else { "" };
    Some(format!("{sign}{}.{}", tenths / 10, tenths % 10))
}

/// [`percent`] of two counts.
pub fn percent_u(part: u64, whole: u64) -> Option<String> {
    percent(
        i64::try_from(part).unwrap_or(i64::MAX),
        i64::try_from(whole).unwrap_or(i64::MAX),
    )
}

/// The months `first..=last`, in order (empty when `first > last`).
pub fn months_between(first: YearMonth, last: YearMonth) -> Vec<YearMonth> {
    let mut out = Vec::new();
    let mut month = Some(first);
    while let Some(m) = month.filter(|m| *m <= last) {
        out.push(m);
        month = m.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    fn flow(joined: &str, ended: Option<&str>, members: u64) -> Flow {
        Flow {
            joined: ym(joined),
            ended: ended.map(ym),
            members,
        }
    }

    fn sample() -> Vec<Flow> {
        vec![
            flow("2026-01", None, 4),
            flow("2026-01", Some("2026-02"), 2),
            flow("2026-01", Some("2026-03"), 1),
            flow("2026-02", Some("2026-02"), 1),
            flow("2026-02", None, 3),
        ]
    }

    #[test]
    fn month_flows_count_joins_and_ends() {
        let months = [ym("2026-01"), ym("2026-02"), ym("2026-03")];
        let f = month_flows(&sample(), &months);
        assert_eq!(
            f[0],
            MonthFlow {
                new: 7,
                churned: 0,
                churned_from_start: 0
            }
        );
        assert_eq!(
            f[1],
            MonthFlow {
                new: 4,
                churned: 3,
                churned_from_start: 2
            }
        );
        assert_eq!(
            f[2],
            MonthFlow {
                new: 0,
                churned: 1,
                churned_from_start: 1
            }
        );
    }

    #[test]
    fn cohorts_follow_each_join_month_to_now() {
        let c = cohorts(&sample(), ym("2026-01"), ym("2026-03"), ym("2026-03"));
        assert_eq!(c.len(), 2, "March has no joiners");
        assert_eq!(c[0].joined, ym("2026-01"));
        assert_eq!(c[0].size, 7);
        assert_eq!(c[0].retained, vec![7, 5, 4]);
        assert_eq!(c[1].size, 4);
        assert_eq!(c[1].retained, vec![3, 3]);
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(percent(1, 8).as_deref(), Some("12.5"));
        assert_eq!(percent(-1, 3).as_deref(), Some("-33.3"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.7"));
        assert_eq!(percent(-1, 2000).as_deref(), Some("-0.1"));
        assert_eq!(percent(-1, 20001).as_deref(), Some("0.0"));
        assert_eq!(percent(5, 0), None);
        assert_eq!(percent_u(3, 4).as_deref(), Some("75.0"));
    }

    #[test]
    fn months_between_is_inclusive() {
        assert_eq!(months_between(ym("2025-11"), ym("2026-01")).len(), 3);
        assert!(months_between(ym("2026-02"), ym("2026-01")).is_empty());
    }
}
