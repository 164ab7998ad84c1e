//! Dated figures the forecasts start from: members at given dates, paying members by tier,
//! and the monthly views and course sales that the content and payment tables will hold.
//!
//! SQL only. Which months to ask for, and what a forecast makes of the answers, is decided in
//! `commands/forecast.rs` and `forecast.rs`.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::metrics::{self, Group, PLACEABLE, Scope, named};
use crate::dates::YearMonth;
use crate::member::Status;
use crate::money::Money;

/// Members at each date, by the README's rule "Members at a date D": joined on or before D,
/// not left by D, and not lapsed by D (expires_at is the last day with access; paused members
/// never lapse; an `expired` member with neither expires_at nor left_at cannot be placed in
/// time and is not counted).
///
/// One aggregation over one scan of the members: the few dates are materialised and crossed
/// with each member row (members first; the other way round, SQLite probes the joined_at index
/// once per date and reads rows at random, several times slower on a large community).
pub fn members_at(conn: &Connection, dates: &[NaiveDate]) -> rusqlite::Result<Vec<u64>> {
    members_at_in(conn, dates, &Scope::default())
}

/// [`members_at`], counting only the members in `scope` (tier, source, tags).
pub fn members_at_in(
    conn: &Connection,
    dates: &[NaiveDate],
    scope: &Scope,
) -> rusqlite::Result<Vec<u64>> {
    let days: Vec<String> = dates.iter().map(ToString::to_string).collect();
    let days = serde_json::to_string(&days)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let (scope_sql, mut values) = scope.clause();
    values.push((":days".into(), rusqlite::types::Value::Text(days)));
    let mut counts = vec![0; dates.len()];
    let mut stmt = conn.prepare_cached(&format!(
        "WITH d AS MATERIALIZED (SELECT key AS i, value AS day FROM json_each(:days)) \
         SELECT d.i, count(*) FROM members AS m CROSS JOIN d \
         WHERE m.joined_at <= d.day \
           AND (m.left_at IS NULL OR m.left_at > d.day) \
           AND (m.status = 'paused' OR m.expires_at IS NULL OR m.expires_at >= d.day) \
           AND {PLACEABLE} AND {scope_sql} \
         GROUP BY d.i"
    ))?;
    let mut rows = stmt.query(named(&values).as_slice())?;
    while let Some(row) = rows.next()? {
        let (i, n): (i64, i64) = (row.get(0)?, row.get(1)?);
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| counts.get_mut(i)) {
            *slot = u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(counts)
}

/// The day the first member joined; `None` when there are no members.
pub fn earliest_join(conn: &Connection) -> rusqlite::Result<Option<NaiveDate>> {
    conn.query_row("SELECT min(joined_at) FROM members", [], |r| r.get(0))
}

/// Members whose status at `today` (expiry applied) is `active` or `cancelled`, counted by
/// tier, tiers in name order (compared case-insensitively, named by the first spelling the
/// rollups give). Tier prices live in community.toml, so the caller keeps the paid tiers: together
/// that is the README's rule for paying members. From the rollups, as `summary` counts them
/// (a scan of the members took 0.7 s for a million).
pub fn active_or_cancelled_by_tier(
    conn: &Connection,
    today: NaiveDate,
) -> rusqlite::Result<Vec<(String, u64)>> {
    let counts = metrics::members_by(conn, Group::Tier, &Scope::default(), (None, None), today)?;
    let mut tiers: Vec<(String, u64)> = Vec::new();
    for c in counts {
        if c.members == 0 || !matches!(c.status, Status::Active | Status::Cancelled) {
            continue;
        }
        match tiers
            .iter_mut()
            .find(|(t, _)| t.eq_ignore_ascii_case(&c.tier))
        {
            Some((_, n)) => *n += c.members,
            None => tiers.push((c.tier, c.members)),
        }
    }
    tiers.sort_by_key(|(tier, _)| tier.to_ascii_lowercase());
    Ok(tiers)
}

/// Views gained in each of `months` by one content item (`Some(id)`) or by all items. Stats
/// are dated snapshots of running totals, so a month's views are the total at its end (each
/// item's latest snapshot on or before that day) less the total at the previous month's end.
/// `None` when no snapshot exists at all.
pub fn content_views_by_month(
    conn: &Connection,
    content: Option<i64>,
    months: &[YearMonth],
) -> rusqlite::Result<Option<Vec<f64>>> {
    let any: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM content_stats WHERE ?1 IS NULL OR content_id = ?1)",
        [content],
        |r| r.get(0),
    )?;
    if !any {
        return Ok(None);
    }
    let mut total_at = conn.prepare_cached(
        "SELECT coalesce(sum(s.views), 0) FROM content_stats s \
         WHERE (?2 IS NULL OR s.content_id = ?2) \
         AND s.day = (SELECT max(day) FROM content_stats l WHERE l.content_id = s.content_id AND l.day <= ?1)",
    )?;
    let mut total = |day: NaiveDate| -> rusqlite::Result<i64> {
        total_at.query_row(rusqlite::params![day, content], |r| r.get(0))
    };
    let Some(first) = months.first() else {
        return Ok(Some(Vec::new()));
    };
    let mut before = match first.prev() {
        Some(prev) => total(prev.last_day())?,
        None => 0,
    };
    let mut views = Vec::with_capacity(months.len());
    for month in months {
        let now = total(month.last_day())?;
        views.push((now - before).max(0) as f64);
        before = now;
    }
    Ok(Some(views))
}

/// Net course sales (course payments less their refunds) in each of `months`, in minor
/// units, by the books' date (`paid_on`). `None` when no course was ever sold, so a forecast
/// does not show a column of zeros.
pub fn course_sales_by_month(
    conn: &Connection,
    months: &[YearMonth],
) -> rusqlite::Result<Option<Vec<Money>>> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(Some(Vec::new()));
    };
    let sold: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM payments WHERE kind = 'course')",
        [],
        |r| r.get(0),
    )?;
    if !sold {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT substr(paid_on, 1, 7) AS month, sum(amount) FROM payments \
         WHERE paid_on BETWEEN ?1 AND ?2 \
         AND (kind = 'course' OR (kind = 'refund' AND course_id IS NOT NULL)) \
         GROUP BY month",
    )?;
    let sums: std::collections::HashMap<String, i64> = stmt
        .query_map(rusqlite::params![first.first_day(), last.last_day()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(
        months
            .iter()
            .map(|m| Money::from_minor(sums.get(&m.to_string()).copied().unwrap_or(0)))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::members::{Fields, insert};
    use crate::member::Status;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn add(conn: &mut Connection, n: usize, tier: &str, status: Status, dates: [Option<&str>; 3]) {
        let tx = conn.transaction().unwrap();
        for i in 0..n {
            let fields = Fields {
                name: format!("m{i}"),
                email: None,
                phone: None,
                wechat: None,
                source: Some("test".into()),
                source_id: Some(format!("{tier}-{status}-{i}-{dates:?}")),
                tier: tier.into(),
                status,
                joined_at: date(dates[0].unwrap()),
                expires_at: dates[1].map(date),
                left_at: dates[2].map(date),
                note: None,
            };
            insert(&tx, &fields, "2026-01-01T00:00:00Z").unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn members_at_follows_the_readme_rule() {
        let mut conn = crate::db::memory();
        let a = Status::Active;
        // Counted from 2026-01-10 on, never lapses.
        add(&mut conn, 3, "free", a, [Some("2026-01-10"), None, None]);
        // Lapses after 2026-02-28 (its last day with access).
        add(
            &mut conn,
            2,
            "basic",
            a,
            [Some("2026-01-01"), Some("2026-02-28"), None],
        );
        // Paused members never lapse.
        add(
            &mut conn,
            1,
            "basic",
            Status::Paused,
            [Some("2026-01-01"), Some("2026-01-15"), None],
        );
        // Left on 2026-03-01: not counted from that day.
        add(
            &mut conn,
            1,
            "free",
            a,
            [Some("2026-01-01"), None, Some("2026-03-01")],
        );
        // Expired with no dates: cannot be placed in time.
        add(
            &mut conn,
            4,
            "basic",
            Status::Expired,
            [Some("2026-01-01"), None, None],
        );
        let dates = [
            "2025-12-31",
            "2026-01-31",
            "2026-02-28",
            "2026-03-01",
            "2026-03-31",
        ]
        .map(date);
        assert_eq!(members_at(&conn, &dates).unwrap(), vec![0, 7, 7, 4, 4]);
        assert_eq!(members_at(&conn, &[]).unwrap(), Vec::<u64>::new());
        assert_eq!(earliest_join(&conn).unwrap(), Some(date("2026-01-01")));
    }

    #[test]
    fn paying_candidates_are_active_or_cancelled_at_today_by_tier() {
        let mut conn = crate::db::memory();
        add(
            &mut conn,
            2,
            "pro",
            Status::Active,
            [Some("2026-01-01"), Some("2026-12-31"), None],
        );
        add(
            &mut conn,
            1,
            "pro",
            Status::Cancelled,
            [Some("2026-01-01"), Some("2026-12-31"), None],
        );
        add(
            &mut conn,
            1,
            "basic",
            Status::Active,
            [Some("2026-01-01"), Some("2026-06-30"), None],
        );
        add(
            &mut conn,
            5,
            "basic",
            Status::Trial,
            [Some("2026-01-01"), None, None],
        );
        let today = date("2026-11-23");
        assert_eq!(
            active_or_cancelled_by_tier(&conn, today).unwrap(),
            vec![("pro".to_string(), 3)]
        );
        assert_eq!(earliest_join(&crate::db::memory()).unwrap(), None);
    }

    #[test]
    fn without_stats_or_sales_there_is_no_series() {
        let conn = crate::db::memory();
        let months = [YearMonth::new(2026, 10).unwrap()];
        assert_eq!(content_views_by_month(&conn, None, &months).unwrap(), None);
        assert_eq!(
            course_sales_by_month(&conn, &months).unwrap(),
            None,
            "no course sold yet"
        );
    }

    #[test]
    fn views_per_month_are_differences_of_running_totals() {
        let conn = crate::db::memory();
        conn.execute_batch(
            "INSERT INTO content (id, title, kind, status, created_at, updated_at) VALUES
               (1, 'a', 'article', 'draft', 'x', 'x'), (2, 'b', 'video', 'draft', 'x', 'x');
             INSERT INTO content_stats (content_id, day, views, likes, comments, shares, recorded_at) VALUES
               (1, '2026-08-20', 100, 0, 0, 0, 'x'),
               (1, '2026-09-10', 150, 0, 0, 0, 'x'),
               (1, '2026-09-30', 180, 0, 0, 0, 'x'),
               (2, '2026-10-05', 40, 0, 0, 0, 'x'),
               (1, '2026-10-31', 200, 0, 0, 0, 'x')",
        )
        .unwrap();
        let months = [
            YearMonth::new(2026, 9).unwrap(),
            YearMonth::new(2026, 10).unwrap(),
            YearMonth::new(2026, 11).unwrap(),
        ];
        assert_eq!(
            content_views_by_month(&conn, None, &months)
                .unwrap()
                .unwrap(),
            [80.0, 60.0, 0.0]
        );
        assert_eq!(
            content_views_by_month(&conn, Some(2), &months)
                .unwrap()
                .unwrap(),
            [0.0, 40.0, 0.0]
        );
        assert_eq!(
            content_views_by_month(&conn, Some(3), &months).unwrap(),
            None
        );
    }

    #[test]
    fn course_sales_are_net_of_refunds_per_month() {
        let conn = crate::db::memory();
        conn.execute_batch(
            "INSERT INTO payments (id, kind, amount, currency, paid_at, paid_on, course_id, refund_of, created_at) VALUES
             (1, 'course', 19900, 'CNY', 'x', '2026-09-30', NULL, NULL, 'x'),
             (2, 'course', 29900, 'CNY', 'x', '2026-10-01', NULL, NULL, 'x'),
             (3, 'membership', 99900, 'CNY', 'x', '2026-10-02', NULL, NULL, 'x')",
        )
        .unwrap();
        let months = [
            YearMonth::new(2026, 9).unwrap(),
            YearMonth::new(2026, 10).unwrap(),
            YearMonth::new(2026, 11).unwrap(),
        ];
        let sales = course_sales_by_month(&conn, &months).unwrap().unwrap();
        assert_eq!(
            sales.iter().map(|m| m.minor()).collect::<Vec<_>>(),
            [19900, 29900, 0]
        );
    }
}
