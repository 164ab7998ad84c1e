//! The payments ledger: every SQL statement that writes or reads income, and the aggregations
//! behind `report revenue`.
//!
//! Reports are SQL aggregations over covering indexes, never rows loaded into memory: the
//! ledger is expected to hold millions of payments. MRR is summed here as the steps of
//! `revenue::mrr_steps` and finished by the caller.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::rollups::{self, Via};
use crate::dates;
use crate::money::{Currency, Money};
use crate::revenue::{self, Kind};

/// What a new ledger entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub kind: Kind,
    /// Positive for income; negative for a refund.
    pub amount: Money,
    pub currency: Currency,
    pub paid_at: DateTime<Utc>,
    /// The date in the community's timezone: the day the books record it on.
    pub paid_on: NaiveDate,
    pub member_id: Option<i64>,
    pub course_id: Option<i64>,
    pub period: Option<Period>,
    pub reference: Option<String>,
    pub refund_of: Option<i64>,
    pub note: Option<String>,
}

/// What a membership fee pays for: `months` months from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub months: u32,
}

impl Period {
    /// The day the period runs out, as `expires_at` counts it (start + months).
    pub fn end(self) -> Option<NaiveDate> {
        dates::add_months(self.start, self.months)
    }
}

/// A stored payment with the names of what it links to.
#[derive(Debug, Clone)]
pub struct Payment {
    pub id: i64,
    pub kind: Kind,
    pub amount: Money,
    pub currency: Currency,
    pub paid_at: String,
    pub paid_on: NaiveDate,
    pub member_id: Option<i64>,
    /// How the member is named: email, else phone, else WeChat ID, else `id:N`.
    pub member: Option<String>,
    pub course_id: Option<i64>,
    pub course: Option<String>,
    pub period: Option<Period>,
    pub reference: Option<String>,
    pub refund_of: Option<i64>,
    /// The sum of refunds made against this payment (zero or negative).
    pub refunded: Money,
    pub note: Option<String>,
}

/// What `revenue list` asks for; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub member_id: Option<i64>,
    pub course_id: Option<i64>,
    pub limit: Option<u64>,
}

/// Gives a connection about to import many payments a page cache big enough for the ledger's
/// indexes (up to 256 MiB, taken only as needed): with SQLite's 2 MiB default, inserting a
/// million rows in date-scattered order spends most of its time re-reading index pages.
pub fn prepare_bulk(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -262_144)
}

/// Inserts a ledger entry and returns its id. The refund limit is enforced by a trigger too,
/// so a caller that skipped [`refundable`] still cannot over-refund.
pub fn insert(tx: &Transaction<'_>, p: &NewPayment, now: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO payments (kind, amount, currency, paid_at, paid_on, member_id, course_id, \
         period_start, period_months, reference, refund_of, note, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        p.kind,
        p.amount,
        p.currency,
        dates::format_timestamp(p.paid_at),
        p.paid_on,
        p.member_id,
        p.course_id,
        p.period.map(|x| x.start),
        p.period.map(|x| x.months),
        p.reference,
        p.refund_of,
        p.note,
        now,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// The id of the payment with this external reference, if there is one.
pub fn by_reference(conn: &Connection, reference: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM payments WHERE reference = ?1")?
        .query_row([reference], |r| r.get(0))
        .optional()
}

const SELECT: &str = "SELECT p.id, p.kind, p.amount, p.currency, p.paid_at, p.paid_on, \
     p.member_id, coalesce(m.email, m.phone, m.wechat, 'id:' || m.id), p.course_id, c.slug, \
     p.period_start, p.period_months, p.reference, p.refund_of, p.note, \
     (SELECT coalesce(sum(r.amount), 0) FROM payments r WHERE r.refund_of = p.id) \
     FROM payments p LEFT JOIN members m ON m.id = p.member_id \
     LEFT JOIN courses c ON c.id = p.course_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Payment> {
    let start: Option<NaiveDate> = row.get(10)?;
    let months: Option<u32> = row.get(11)?;
    Ok(Payment {
        id: row.get(0)?,
        kind: row.get(1)?,
        amount: row.get(2)?,
        currency: row.get(3)?,
        paid_at: row.get(4)?,
        paid_on: row.get(5)?,
        member_id: row.get(6)?,
        member: row.get(7)?,
        course_id: row.get(8)?,
        course: row.get(9)?,
        period: start
            .zip(months)
            .map(|(start, months)| Period { start, months }),
        reference: row.get(12)?,
        refund_of: row.get(13)?,
        note: row.get(14)?,
        refunded: row.get(15)?,
    })
}

/// One payment by id.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Payment>> {
    conn.prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// Streams the payments a filter selects, oldest first, to `each`; nothing is collected.
pub fn for_each(
    conn: &Connection,
    filter: &Filter,
    each: impl FnMut(Payment) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    // Without a filter that an index of its own serves, read the ledger in date order, so that
    // `--limit` stops early. Left to itself (no statistics), SQLite's choice is a close call,
    // and with payments_member holding the course and amount (migration 6) it would scan that
    // index and sort the whole ledger first: 20 s, not 15 ms, for five million payments.
    let mut query =
        if filter.member_id.is_none() && filter.course_id.is_none() && filter.kind.is_none() {
            super::Filtered::new(SELECT.replacen(
                "FROM payments p",
                "FROM payments p INDEXED BY payments_paid_on",
                1,
            ))
        } else {
            super::Filtered::new(SELECT)
        };
    if let Some(kind) = filter.kind {
        query.and("p.kind = :kind", ":kind", kind.as_str().to_string());
    }
    if let Some(date) = filter.since {
        query.and("p.paid_on >= :since", ":since", date.to_string());
    }
    if let Some(date) = filter.until {
        query.and("p.paid_on <= :until", ":until", date.to_string());
    }
    if let Some(id) = filter.member_id {
        query.and("p.member_id = :member", ":member", id);
    }
    if let Some(id) = filter.course_id {
        query.and("p.course_id = :course", ":course", id);
    }
    query.for_each(
        conn,
        "p.paid_on, p.paid_at, p.id",
        filter.limit,
        from_row,
        each,
    )
}

/// Income, refunds and payers of one calendar month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    /// Income of each kind but refund, in the order of `Kind::ALL`; refunds are separate.
    pub by_kind: [Money; 6],
    /// Refunds made in the month (zero or negative).
    pub refunds: Money,
    /// Distinct members with at least one payment (not a refund) in the month.
    pub paying_members: i64,
    /// Net income from payments that name a member.
    pub member_revenue: Money,
}

/// Per month from `since` to `until` (dates included, as the books record them), every month
/// with a payment. Sums are grouped by day and kind in the order of the `payments_paid_on`
/// index (no sorting) and folded into months here; payers need a distinct count per month,
/// which is a second, narrower scan.
pub fn month_totals(
    conn: &Connection,
    since: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<MonthTotals>> {
    month_totals_via(conn, since, until, Via::Rollups)
}

/// [`month_totals`] from the rollups (sums by day and kind; distinct payers of each month the
/// range covers whole, the months it cuts being counted from the ledger) or from the ledger.
pub fn month_totals_via(
    conn: &Connection,
    since: NaiveDate,
    until: NaiveDate,
    via: Via,
) -> rusqlite::Result<Vec<MonthTotals>> {
    let mut months: Vec<MonthTotals> = Vec::new();
    let mut stmt = conn.prepare_cached(match via {
        // A (day, kind) with payments never sums to zero (one sign per kind); a zero row is
        // one whose payments are all gone.
        Via::Rollups => {
            "SELECT paid_on, kind, amount, member_amount FROM rollup_revenue \
             WHERE paid_on >= ?1 AND paid_on <= ?2 AND amount <> 0 ORDER BY paid_on"
        }
        Via::Scan => {
            "SELECT paid_on, kind, sum(amount), \
             sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END) \
             FROM payments WHERE paid_on >= ?1 AND paid_on <= ?2 \
             GROUP BY paid_on, kind ORDER BY paid_on"
        }
    })?;
    let mut rows = stmt.query(params![since, until])?;
    while let Some(row) = rows.next()? {
        let day: String = row.get(0)?;
        let kind: Kind = row.get(1)?;
        let (amount, by_member): (Money, Money) = (row.get(2)?, row.get(3)?);
        let month = day.get(..7).unwrap_or(&day);
        if months.last().is_none_or(|m| m.month != month) {
            months.push(MonthTotals {
                month: month.to_string(),
                ..MonthTotals::default()
            });
        }
        let Some(totals) = months.last_mut() else {
            continue;
        };
        let slot = match kind {
            Kind::Refund => &mut totals.refunds,
            other => {
                let index = Kind::ALL.iter().position(|k| *k == other).unwrap_or(0);
                &mut totals.by_kind[index]
            }
        };
        *slot = add(*slot, amount)?;
        totals.member_revenue = add(totals.member_revenue, by_member)?;
    }
    let mut payers = conn.prepare_cached(
        "SELECT substr(paid_on, 1, 7) AS month, count(DISTINCT member_id) FROM payments \
         WHERE paid_on >= ?1 AND paid_on <= ?2 AND member_id IS NOT NULL AND kind <> 'refund' \
         GROUP BY month",
    )?;
    // Distinct payers do not add up across days: the rollup counts whole months, so the
    // months the range cuts (its first and last, at most) are counted from the ledger.
    let whole = |month: &str| {
        dates::parse_month(month).is_ok_and(|m| m.first_day() >= since && m.last_day() <= until)
    };
    let mut from_rollup = conn.prepare_cached("SELECT n FROM rollup_payers WHERE month = ?1")?;
    let mut cut = Vec::new();
    for totals in &mut months {
        if via == Via::Rollups && whole(&totals.month) {
            totals.paying_members = from_rollup
                .query_row([&totals.month], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
        } else if let Ok(month) = dates::parse_month(&totals.month) {
            cut.push((month.first_day().max(since), month.last_day().min(until)));
        }
    }
    let ranges: Vec<(NaiveDate, NaiveDate)> = match via {
        Via::Scan => vec![(since, until)],
        Via::Rollups => cut,
    };
    for (from, to) in ranges {
        let mut rows = payers.query(params![from, to])?;
        while let Some(row) = rows.next()? {
            let month: String = row.get(0)?;
            if let Some(totals) = months.iter_mut().find(|m| m.month == month) {
                totals.paying_members = row.get(1)?;
            }
        }
    }
    Ok(months)
}

/// Sums that overflow i64 are reported, never wrapped.
fn add(a: Money, b: Money) -> rusqlite::Result<Money> {
    a.checked_add(b).ok_or_else(|| {
        rusqlite::Error::ToSqlConversionFailure("a revenue sum overflows 64-bit minor units".into())
    })
}

/// The summed MRR steps (`revenue::mrr_steps`, month index -> change) of every payment with a
/// period that can count in months `first..=last` (month indexes). Steps before `first` are
/// included, so a running total from the earliest step is right from `first` on.
///
/// SQL only groups equal fees (same start day, months and amount) in the order of the
/// covering `payments_period` index, so millions of payments come back as a few thousand
/// groups; the steps of a group are those of one fee times its count.
pub fn mrr_steps(conn: &Connection, first: i64, last: i64) -> rusqlite::Result<Vec<(i64, i64)>> {
    mrr_steps_via(conn, first, last, Via::Rollups)
}

/// [`mrr_steps`] from `rollup_mrr` (the same groups, kept by triggers) or from the ledger.
pub fn mrr_steps_via(
    conn: &Connection,
    first: i64,
    last: i64,
    via: Via,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    let (longest_sql, groups_sql) = match via {
        Via::Rollups => (
            "SELECT max(period_months) FROM rollup_mrr WHERE n <> 0",
            "SELECT period_start, period_months, amount, n FROM rollup_mrr \
             WHERE period_start >= ?1 AND period_start <= ?2 AND n <> 0",
        ),
        Via::Scan => (
            "SELECT max(period_months) FROM payments WHERE period_start IS NOT NULL",
            "SELECT period_start, period_months, amount, count(*) FROM payments \
             WHERE period_start IS NOT NULL AND period_start >= ?1 AND period_start <= ?2 \
             GROUP BY period_start, period_months, amount",
        ),
    };
    // A period that ended before `first` adds up to nothing there; the longest period bounds
    // how far back a payment can still count. One index lookup (payments_period_months).
    let longest: Option<i64> = conn
        .prepare_cached(longest_sql)?
        .query_row([], |r| r.get(0))?;
    let Some(longest) = longest else {
        return Ok(Vec::new());
    };
    let (Some(from), Some(to)) = (
        revenue::month_of_index(first - longest + 1),
        revenue::month_of_index(last),
    ) else {
        return Ok(Vec::new());
    };
    let mut steps: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    let mut stmt = conn.prepare_cached(groups_sql)?;
    let mut rows = stmt.query(params![from.first_day(), to.last_day()])?;
    while let Some(row) = rows.next()? {
        let start: NaiveDate = row.get(0)?;
        let months: u32 = row.get(1)?;
        let amount: Money = row.get(2)?;
        let count: i64 = row.get(3)?;
        let month = revenue::date_month_index(start);
        for (offset, delta) in revenue::mrr_steps(amount, months) {
            let entry = steps.entry(month + offset).or_default();
            *entry = delta
                .checked_mul(count)
                .and_then(|d| entry.checked_add(d))
                .ok_or_else(|| {
                    rusqlite::Error::ToSqlConversionFailure(
                        "MRR overflows 64-bit minor units".into(),
                    )
                })?;
        }
    }
    Ok(steps.into_iter().collect())
}

/// What `report revenue --by` groups by, other than month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Kind,
    /// The member's tier now (payments keep no tier of their own).
    Tier,
    Course,
    /// The member's acquisition channel.
    Source,
}

/// Income of one value of a dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionTotals {
    /// `None` for payments without that link (no member, no course).
    pub key: Option<String>,
    /// Payments (not refunds).
    pub payments: i64,
    pub gross: Money,
    /// Refunds (zero or negative).
    pub refunds: Money,
    pub paying_members: i64,
    pub member_revenue: Money,
}

impl Dimension {
    /// Its name in `rollup_revenue_by` and `rollup_payers_by`.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Dimension::Kind => "kind",
            Dimension::Tier => "tier",
            Dimension::Course => "course",
            Dimension::Source => "source",
        }
    }
}

/// Income per value of `dimension` between two dates (included), largest net first.
pub fn by_dimension(
    conn: &Connection,
    dimension: Dimension,
    since: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<DimensionTotals>> {
    by_dimension_via(conn, dimension, since, until, Via::Rollups)
}

/// [`by_dimension`] from the rollups of migration 6 (`rollups::by_dimension`, which falls back
/// to the ledger where they cannot answer exactly) or from the ledger.
pub fn by_dimension_via(
    conn: &Connection,
    dimension: Dimension,
    since: NaiveDate,
    until: NaiveDate,
    via: Via,
) -> rusqlite::Result<Vec<DimensionTotals>> {
    if via == Via::Rollups {
        let part = rollups::PartMonth::Cheaper;
        if let Some(totals) = rollups::by_dimension(conn, dimension, since, until, part)? {
            return Ok(totals);
        }
    }
    let (key, join) = match dimension {
        Dimension::Kind => ("p.kind", ""),
        Dimension::Tier => ("m.tier", "LEFT JOIN members m ON m.id = p.member_id"),
        Dimension::Source => ("m.source", "LEFT JOIN members m ON m.id = p.member_id"),
        Dimension::Course => ("c.slug", "LEFT JOIN courses c ON c.id = p.course_id"),
    };
    conn.prepare_cached(&format!(
        "SELECT {key} AS k, sum(p.amount > 0), \
         sum(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END), \
         sum(CASE WHEN p.amount < 0 THEN p.amount ELSE 0 END), \
         count(DISTINCT CASE WHEN p.amount > 0 THEN p.member_id END), \
         sum(CASE WHEN p.member_id IS NOT NULL THEN p.amount ELSE 0 END) \
         FROM payments p {join} \
         WHERE p.paid_on >= ?1 AND p.paid_on <= ?2 \
         GROUP BY k ORDER BY sum(p.amount) DESC, k"
    ))?
    .query_map(params![since, until], |r| {
        Ok(DimensionTotals {
            key: r.get(0)?,
            payments: r.get(1)?,
            gross: r.get(2)?,
            refunds: r.get(3)?,
            paying_members: r.get(4)?,
            member_revenue: r.get(5)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;
    use crate::revenue::mrr_by_month;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn payment(
        kind: Kind,
        amount: i64,
        on: NaiveDate,
        period: Option<(NaiveDate, u32)>,
    ) -> NewPayment {
        NewPayment {
            kind,
            amount: Money::from_minor(amount),
            currency: Currency::default(),
            paid_at: on.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            paid_on: on,
            member_id: None,
            course_id: None,
            period: period.map(|(start, months)| Period { start, months }),
            reference: None,
            refund_of: None,
            note: None,
        }
    }

    #[test]
    fn refunds_cannot_exceed_the_payment_even_bypassing_the_commands() {
        let mut conn = db::memory();
        let tx = conn.transaction().unwrap();
        let id = insert(&tx, &payment(Kind::Qa, 5000, day(2026, 1, 1), None), "now").unwrap();
        let mut refund = payment(Kind::Refund, -3000, day(2026, 1, 2), None);
        refund.refund_of = Some(id);
        let first = insert(&tx, &refund, "now").unwrap();
        let err = insert(&tx, &refund, "now").unwrap_err().to_string();
        assert!(err.contains("exceed"), "{err}");
        refund.amount = Money::from_minor(-2000);
        insert(&tx, &refund, "now").unwrap();
        refund.refund_of = Some(first);
        assert!(insert(&tx, &refund, "now").is_err(), "a refund of a refund");
        let err = tx
            .execute("UPDATE payments SET amount = 1 WHERE id = ?1", [id])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot change"), "{err}");
        tx.commit().unwrap();
        assert_eq!(get(&conn, id).unwrap().unwrap().refunded.minor(), -5000);
    }

    #[test]
    fn sql_mrr_steps_agree_with_the_pure_spread() {
        let mut conn = db::memory();
        let tx = conn.transaction().unwrap();
        let cases = [
            (29900, day(2025, 3, 15), 12),
            (9900, day(2026, 1, 31), 1),
            (99900, day(2024, 12, 1), 12),
            (100, day(2026, 2, 1), 3),
            (-4950, day(2026, 1, 31), 1),
            (12345, day(2020, 1, 1), 1),
        ];
        for (amount, start, months) in cases {
            let kind = if amount < 0 {
                Kind::Refund
            } else {
                Kind::Membership
            };
            let mut p = payment(kind, amount, start, Some((start, months)));
            if amount < 0 {
                p.refund_of = Some(2);
            }
            insert(&tx, &p, "now").unwrap();
        }
        tx.commit().unwrap();
        let (first, last) = (
            revenue::date_month_index(day(2025, 1, 1)),
            revenue::date_month_index(day(2026, 6, 1)),
        );
        let from_sql = mrr_by_month(&mrr_steps(&conn, first, last).unwrap(), first, last);
        let mut expected = vec![0i64; (last - first + 1) as usize];
        for (amount, start, months) in cases {
            let s = revenue::date_month_index(start);
            for (i, share) in revenue::spread(Money::from_minor(amount), months)
                .iter()
                .enumerate()
            {
                let month = s + i as i64;
                if (first..=last).contains(&month) {
                    expected[(month - first) as usize] += share.minor();
                }
            }
        }
        let got: Vec<i64> = from_sql.iter().map(|(_, v)| v.minor()).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn month_totals_split_kinds_and_refunds() {
        let mut conn = db::memory();
        let tx = conn.transaction().unwrap();
        let id = insert(
            &tx,
            &payment(Kind::Course, 19900, day(2026, 1, 5), None),
            "now",
        )
        .unwrap();
        insert(
            &tx,
            &payment(Kind::Ad, 80000, day(2026, 1, 31), None),
            "now",
        )
        .unwrap();
        let mut refund = payment(Kind::Refund, -9900, day(2026, 2, 1), None);
        refund.refund_of = Some(id);
        insert(&tx, &refund, "now").unwrap();
        tx.commit().unwrap();
        let months = month_totals(&conn, day(2026, 1, 1), day(2026, 12, 31)).unwrap();
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].month, "2026-01");
        assert_eq!(months[0].by_kind[1].minor(), 19900);
        assert_eq!(months[0].by_kind[4].minor(), 80000);
        assert_eq!(months[1].refunds.minor(), -9900);
        let kinds =
            by_dimension(&conn, Dimension::Kind, day(2026, 1, 1), day(2026, 12, 31)).unwrap();
        assert_eq!(kinds[0].key.as_deref(), Some("ad"));
        assert_eq!(kinds.last().unwrap().refunds.minor(), -9900);
    }
}
