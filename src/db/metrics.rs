//! The aggregations behind `report members|growth|cohorts|churn|leaderboard|engagement` and
//! `summary`: every statement groups in SQL and returns a few hundred rows at most, so the
//! arithmetic on them (rates, retention, sparklines) stays in the pure `metrics.rs`.
//!
//! SQL only; which months to ask for and what the numbers mean is decided by the caller, by
//! the rules in README ("Reports and the summary").

use chrono::NaiveDate;
use rusqlite::Connection;
use rusqlite::types::Value;

use super::members::STATUS_NOW;
use super::rollups::{self, Via};
use crate::dates::{self, YearMonth};
use crate::member::Status;
use crate::money::Money;

/// The day a member's access ended: the earlier of left_at and the day after expires_at
/// (paused members do not lapse). Mirrors `series::members_at`: a member is counted at D
/// exactly when `joined_at <= D < ENDED_ON`. `9999-12-31` stands for "not ended".
pub(super) const ENDED_ON: &str = "min(coalesce(m.left_at, '9999-12-31'), \
     CASE WHEN m.status = 'paused' OR m.expires_at IS NULL THEN '9999-12-31' \
     ELSE date(m.expires_at, '+1 day') END)";

/// Members `series::members_at` never counts: an `expired` member with neither date cannot be
/// placed in time.
pub(super) const PLACEABLE: &str =
    "NOT (m.status = 'expired' AND m.expires_at IS NULL AND m.left_at IS NULL)";

/// Which members a report looks at: the list filters that make sense for a report. Every
/// field narrows; all empty is the whole community.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub tier: Option<String>,
    pub source: Option<String>,
    /// All must match.
    pub tags: Vec<String>,
}

impl Scope {
    /// A condition on `members m` (never empty: `1` selects all) and its named parameters.
    pub(super) fn clause(&self) -> (String, Vec<(String, Value)>) {
        let mut clauses = vec!["1".to_string()];
        let mut values = Vec::new();
        if let Some(tier) = &self.tier {
            clauses.push("m.tier = :scope_tier COLLATE NOCASE".into());
            values.push((":scope_tier".into(), Value::Text(tier.clone())));
        }
        if let Some(source) = &self.source {
            clauses.push("m.source = :scope_source COLLATE NOCASE".into());
            values.push((":scope_source".into(), Value::Text(source.clone())));
        }
        // As in `members::for_each`: the tag's members from member_tags_tag, not an EXISTS
        // per member (`report churn --tag`: 10 s to 0.4 s on a million members).
        for (i, tag) in self.tags.iter().enumerate() {
            let name = format!(":scope_tag{i}");
            clauses.push(format!(
                "m.id IN (SELECT t.member_id FROM member_tags t WHERE t.tag = {name})"
            ));
            values.push((name, Value::Text(tag.clone())));
        }
        (clauses.join(" AND "), values)
    }

    pub fn is_everyone(&self) -> bool {
        self.tier.is_none() && self.source.is_none() && self.tags.is_empty()
    }
}

/// Named parameters as rusqlite wants them.
pub(super) fn named(values: &[(String, Value)]) -> Vec<(&str, &dyn rusqlite::ToSql)> {
    values
        .iter()
        .map(|(name, value)| (name.as_str(), value as &dyn rusqlite::ToSql))
        .collect()
}

/// What `report members --by` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Tier,
    Status,
    Source,
    Tag,
}

/// Members of one group value with one tier and one status now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    /// `None`: no source, or no tag.
    pub key: Option<String>,
    pub tier: String,
    pub status: Status,
    pub members: u64,
}

impl GroupCount {
    /// From a row of (key, tier, status, count).
    pub(super) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GroupCount> {
        Ok(GroupCount {
            key: r.get(0)?,
            tier: r.get(1)?,
            status: r.get(2)?,
            members: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
        })
    }
}

/// Members by `group`, tier and status now (expiry applied at `today`), joined within
/// `joined` (both ends included) when given; ordered by group value, tier and status. Tags
/// compare case-insensitively: a tag spelt two ways is one group, named by the spelling first
/// in byte order (`Rust` before `rust`), so that the answer never depends on row order.
pub fn members_by(
    conn: &Connection,
    group: Group,
    scope: &Scope,
    joined: (Option<NaiveDate>, Option<NaiveDate>),
    today: NaiveDate,
) -> rusqlite::Result<Vec<GroupCount>> {
    members_by_via(conn, group, scope, joined, today, Via::Rollups)
}

/// [`members_by`] from the rollups (when no join date narrows it and the scope's filters are
/// rollup keys) or from a scan of the members.
pub fn members_by_via(
    conn: &Connection,
    group: Group,
    scope: &Scope,
    joined: (Option<NaiveDate>, Option<NaiveDate>),
    today: NaiveDate,
    via: Via,
) -> rusqlite::Result<Vec<GroupCount>> {
    if via == Via::Rollups && joined == (None, None) && rollups::covers_members_by(group, scope) {
        return rollups::members_by(conn, group, scope, today);
    }
    let (key, join) = match group {
        Group::Tier => ("m.tier", ""),
        Group::Status => ("NULL", ""),
        Group::Source => ("m.source", ""),
        Group::Tag => ("t.tag", "LEFT JOIN member_tags t ON t.member_id = m.id"),
    };
    let (scope_sql, mut values) = scope.clause();
    values.push((":today".into(), Value::Text(today.to_string())));
    values.push((
        ":joined_from".into(),
        joined.0.map_or(Value::Null, |d| Value::Text(d.to_string())),
    ));
    values.push((
        ":joined_until".into(),
        joined.1.map_or(Value::Null, |d| Value::Text(d.to_string())),
    ));
    let sql = format!(
        "SELECT min({key} COLLATE BINARY) AS k, m.tier, {STATUS_NOW} AS s, count(*) \
         FROM members m {join} \
         WHERE {scope_sql} \
           AND (:joined_from IS NULL OR m.joined_at >= :joined_from) \
           AND (:joined_until IS NULL OR m.joined_at <= :joined_until) \
         GROUP BY {key}, m.tier, s ORDER BY {key}, m.tier, s"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), GroupCount::from_row)?;
    rows.collect()
}

/// Members who joined in one month and whose access ended in another (or has not ended by
/// today: `ended` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub joined: YearMonth,
    pub ended: Option<YearMonth>,
    pub members: u64,
}

/// Every member who joined by `today` and had access for at least a day (as
/// `series::members_at` counts them), grouped by join month and the month their access ended.
/// One scan of the members; growth, churn and cohorts are sums over these groups.
pub fn flows(conn: &Connection, scope: &Scope, today: NaiveDate) -> rusqlite::Result<Vec<Flow>> {
    flows_via(conn, scope, today, Via::Rollups)
}

/// [`flows`] from the rollups (unless tags narrow the scope) or from a scan of the members.
pub fn flows_via(
    conn: &Connection,
    scope: &Scope,
    today: NaiveDate,
    via: Via,
) -> rusqlite::Result<Vec<Flow>> {
    if via == Via::Rollups && scope.tags.is_empty() {
        return rollups::to_flows(rollups::flows(conn, scope, today)?);
    }
    let (scope_sql, mut values) = scope.clause();
    values.push((":today".into(), Value::Text(today.to_string())));
    let sql = format!(
        "SELECT substr(joined_at, 1, 7), CASE WHEN ended > :today THEN NULL ELSE substr(ended, 1, 7) END, \
                count(*) \
         FROM (SELECT m.joined_at, {ENDED_ON} AS ended FROM members m \
               WHERE m.joined_at <= :today AND {PLACEABLE} AND {scope_sql}) \
         WHERE ended > joined_at \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rollups::to_flows(rows.collect::<rusqlite::Result<_>>()?)
}

/// The MRR that the members in `scope` who were lost from a month's start took with them, by
/// the month their access ended, for ends between `from` and `until` (both included): their
/// fees and refunds spread by the MRR rule, the share of the month before the one their access
/// ended in (README: `mrr_lost`). Months without any are left out.
pub fn churned_mrr(
    conn: &Connection,
    scope: &Scope,
    from: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<(YearMonth, Money)>> {
    churned_mrr_via(conn, scope, from, until, Via::Rollups)
}

/// [`churned_mrr`] from the rollups (unless tags narrow the scope) or from a scan of the
/// members and their payments.
pub fn churned_mrr_via(
    conn: &Connection,
    scope: &Scope,
    from: NaiveDate,
    until: NaiveDate,
    via: Via,
) -> rusqlite::Result<Vec<(YearMonth, Money)>> {
    if via == Via::Rollups && scope.tags.is_empty() {
        return rollups::churned_mrr(conn, scope, from, until);
    }
    let mut lost: std::collections::BTreeMap<YearMonth, Money> = std::collections::BTreeMap::new();
    for fee in churned_fees(conn, scope, from, until)? {
        let offset = crate::revenue::month_index(fee.ended)
            - 1
            - crate::revenue::date_month_index(fee.period_start);
        let entry = lost.entry(fee.ended).or_insert(Money::ZERO);
        *entry = crate::revenue::share(fee.amount, fee.period_months, offset)
            .checked_mul(fee.count)
            .and_then(|m| entry.checked_add(m))
            .ok_or_else(|| {
                rusqlite::Error::ToSqlConversionFailure(
                    format!("the MRR lost in {} overflows", fee.ended).into(),
                )
            })?;
    }
    Ok(lost
        .into_iter()
        .filter(|(_, m)| *m != Money::ZERO)
        .collect())
}

/// Equal membership fees (or refunds of them) of members whose access ended in `ended`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChurnedFee {
    pub ended: YearMonth,
    pub period_start: NaiveDate,
    pub period_months: u32,
    pub amount: Money,
    pub count: i64,
}

/// The payments with a period (membership fees and their refunds) of the members in `scope`
/// whose access ended between `from` and `until` (both included) and who joined before the
/// month it ended in (the members a month starts with and loses):
/// what revenue churn spreads by the MRR rule to find the MRR they took with them.
fn churned_fees(
    conn: &Connection,
    scope: &Scope,
    from: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<ChurnedFee>> {
    let (scope_sql, mut values) = scope.clause();
    values.push((":from".into(), Value::Text(from.to_string())));
    values.push((":until".into(), Value::Text(until.to_string())));
    let sql = format!(
        "WITH churned AS MATERIALIZED ( \
           SELECT id, substr(ended, 1, 7) AS month FROM ( \
             SELECT m.id, m.joined_at, {ENDED_ON} AS ended FROM members m \
             WHERE {PLACEABLE} AND {scope_sql}) \
           WHERE ended BETWEEN :from AND :until AND substr(joined_at, 1, 7) < substr(ended, 1, 7)) \
         SELECT c.month, p.period_start, p.period_months, p.amount, count(*) \
         FROM churned c JOIN payments p ON p.member_id = c.id \
         WHERE p.period_start IS NOT NULL \
         GROUP BY 1, 2, 3, 4"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, NaiveDate>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, Money>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (month, period_start, period_months, amount, count) = row?;
        out.push(ChurnedFee {
            ended: dates::parse_month(&month)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            period_start,
            period_months,
            amount,
            count,
        });
    }
    Ok(out)
}

/// A member's points on the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    pub member_id: i64,
    pub name: String,
    pub tier: String,
    /// Points granted (not redeemed) from `since`.
    pub earned_recently: i64,
    /// Points granted ever.
    pub earned_total: i64,
    /// Grants less redemptions.
    pub balance: i64,
}

/// The `top` members by points granted from the instant `since` up to (not including)
/// `until` (RFC 3339, UTC) when `recent_first`, else by points granted ever before `until`;
/// ties go to the larger other figure, then the lower id. Members with no grants in the
/// ranking period are left out.
pub fn leaderboard(
    conn: &Connection,
    scope: &Scope,
    (since, until): (&str, &str),
    recent_first: bool,
    top: u64,
) -> rusqlite::Result<Vec<Leader>> {
    let (scope_sql, mut values) = scope.clause();
    values.push((":since".into(), Value::Text(since.to_string())));
    values.push((":until".into(), Value::Text(until.to_string())));
    values.push((
        ":top".into(),
        Value::Integer(i64::try_from(top).unwrap_or(i64::MAX)),
    ));
    let (order, having) = if recent_first {
        ("recent DESC, total DESC", "recent > 0")
    } else {
        ("total DESC, recent DESC", "total > 0")
    };
    // The recent ranking only reads this period's ledger (points_ledger_created); the
    // all-time one reads every grant once (points_ledger_member covers it).
    let source = if recent_first {
        "(SELECT DISTINCT member_id FROM points_ledger \
          WHERE created_at >= :since AND created_at < :until AND delta > 0)"
    } else {
        "(SELECT DISTINCT member_id FROM points_ledger WHERE created_at < :until AND delta > 0)"
    };
    let sql = format!(
        "SELECT m.id, m.name, m.tier, \
           (SELECT coalesce(sum(delta), 0) FROM points_ledger p \
            WHERE p.member_id = m.id AND p.delta > 0 \
              AND p.created_at >= :since AND p.created_at < :until) AS recent, \
           (SELECT coalesce(sum(delta), 0) FROM points_ledger p \
            WHERE p.member_id = m.id AND p.delta > 0 AND p.created_at < :until) AS total, \
           (SELECT coalesce(sum(delta), 0) FROM points_ledger p \
            WHERE p.member_id = m.id AND p.created_at < :until) AS balance \
         FROM {source} AS l JOIN members m ON m.id = l.member_id \
         WHERE {scope_sql} AND {having} \
         ORDER BY {order}, m.id LIMIT :top"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), |r| {
        Ok(Leader {
            member_id: r.get(0)?,
            name: r.get(1)?,
            tier: r.get(2)?,
            earned_recently: r.get(3)?,
            earned_total: r.get(4)?,
            balance: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// A member with access and no recent sign of life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub tier: String,
    pub status: Status,
    pub joined_at: NaiveDate,
    pub expires_at: Option<NaiveDate>,
    pub last_points: Option<String>,
    pub last_enrolled: Option<NaiveDate>,
    pub last_payment: Option<NaiveDate>,
}

/// Members in `scope` who have access at `today` (status now trial, active, cancelled or
/// comped), joined on or before `quiet_since`, and since `quiet_since` (included) have no
/// points entry, no course enrollment and no payment. Soonest expiry first (no expiry last),
/// then id; at most `limit`. Streams to `each`.
pub fn at_risk(
    conn: &Connection,
    scope: &Scope,
    today: NaiveDate,
    quiet_since: NaiveDate,
    limit: Option<u64>,
    mut each: impl FnMut(AtRisk) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (scope_sql, mut values) = scope.clause();
    values.push((":today".into(), Value::Text(today.to_string())));
    values.push((":quiet".into(), Value::Text(quiet_since.to_string())));
    values.push((
        ":limit".into(),
        Value::Integer(limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX))),
    ));
    // Points are stamped in UTC; a day's worth of slack either way does not change who has
    // been quiet for three months, and comparing text keeps the index usable. Two passes, so
    // that each reads in index order and stops at the limit: members with an expiry, soonest
    // first (members_expires_at), then those without one, by id.
    let base = format!(
        "SELECT m.id, m.name, m.email, m.wechat, m.tier, {STATUS_NOW} AS s, m.joined_at, m.expires_at, \
           (SELECT max(created_at) FROM points_ledger p WHERE p.member_id = m.id), \
           (SELECT max(enrolled_on) FROM enrollments e WHERE e.member_id = m.id), \
           (SELECT max(paid_on) FROM payments p WHERE p.member_id = m.id AND p.kind <> 'refund') \
         FROM members m \
         WHERE {scope_sql} \
           AND m.status IN ('trial', 'active', 'cancelled', 'comped') \
           AND m.joined_at <= :quiet \
           AND NOT EXISTS (SELECT 1 FROM points_ledger p WHERE p.member_id = m.id AND p.created_at >= :quiet) \
           AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.member_id = m.id AND e.enrolled_on >= :quiet) \
           AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.member_id = m.id AND p.paid_on >= :quiet AND p.kind <> 'refund')"
    );
    let mut left = limit;
    for pass in [
        "AND m.expires_at >= :today ORDER BY m.expires_at, m.id LIMIT :limit",
        "AND m.expires_at IS NULL ORDER BY m.id LIMIT :limit",
    ] {
        if left == Some(0) {
            break;
        }
        if let Some(slot) = values.iter_mut().find(|(name, _)| name == ":limit") {
            slot.1 = Value::Integer(left.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX)));
        }
        let mut stmt = conn.prepare(&format!("{base} {pass}"))?;
        let mut rows = stmt.query(named(&values).as_slice())?;
        while let Some(r) = rows.next()? {
            each(AtRisk {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                wechat: r.get(3)?,
                tier: r.get(4)?,
                status: r.get(5)?,
                joined_at: r.get(6)?,
                expires_at: r.get(7)?,
                last_points: r.get(8)?,
                last_enrolled: r.get(9)?,
                last_payment: r.get(10)?,
            })?;
            left = left.map(|l| l.saturating_sub(1));
        }
    }
    Ok(())
}

/// A member whose access runs out soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    pub id: i64,
    pub name: String,
    pub tier: String,
    pub expires_at: NaiveDate,
}

/// How many members still have access and expire between `today` and `until` (both
/// included), and the first `show` of them, soonest first.
pub fn expiring(
    conn: &Connection,
    today: NaiveDate,
    until: NaiveDate,
    show: u64,
) -> rusqlite::Result<(u64, Vec<Expiring>)> {
    const WHERE: &str = "m.expires_at >= ?1 AND m.expires_at <= ?2 \
         AND m.status IN ('trial', 'active', 'cancelled', 'comped')";
    let count: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM members m WHERE {WHERE}"))?
        .query_row(rusqlite::params![today, until], |r| r.get(0))?;
    let first = conn
        .prepare_cached(&format!(
            "SELECT m.id, m.name, m.tier, m.expires_at FROM members m WHERE {WHERE} \
             ORDER BY m.expires_at, m.id LIMIT ?3"
        ))?
        .query_map(
            rusqlite::params![today, until, i64::try_from(show).unwrap_or(i64::MAX)],
            |r| {
                Ok(Expiring {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    tier: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok((u64::try_from(count).unwrap_or(0), first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::members::{Fields, insert};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn add(conn: &mut Connection, key: &str, status: Status, dates: [Option<&str>; 3]) {
        let tx = conn.transaction().unwrap();
        insert(
            &tx,
            &Fields {
                name: key.into(),
                email: None,
                phone: None,
                wechat: None,
                source: Some("test".into()),
                source_id: Some(key.into()),
                tier: "basic".into(),
                status,
                joined_at: date(dates[0].unwrap()),
                expires_at: dates[1].map(date),
                left_at: dates[2].map(date),
                note: None,
            },
            "2026-01-01T00:00:00Z",
        )
        .unwrap();
        tx.commit().unwrap();
    }

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    /// The flows must agree with `series::members_at` at every month end: the two are the
    /// same rule written for a range and for a day.
    #[test]
    fn flows_agree_with_members_at_every_month_end() {
        let mut conn = crate::db::memory();
        let a = Status::Active;
        add(&mut conn, "a", a, [Some("2026-01-10"), None, None]);
        add(
            &mut conn,
            "b",
            a,
            [Some("2026-01-01"), Some("2026-02-28"), None],
        );
        add(
            &mut conn,
            "c",
            Status::Paused,
            [Some("2026-01-01"), Some("2026-01-15"), None],
        );
        add(
            &mut conn,
            "d",
            a,
            [Some("2026-01-01"), None, Some("2026-03-01")],
        );
        add(
            &mut conn,
            "e",
            Status::Expired,
            [Some("2026-01-01"), None, None],
        );
        add(
            &mut conn,
            "f",
            a,
            [Some("2026-02-05"), None, Some("2026-02-05")],
        );
        add(
            &mut conn,
            "g",
            a,
            [Some("2026-02-05"), Some("2026-02-20"), None],
        );
        add(
            &mut conn,
            "h",
            a,
            [Some("2026-03-05"), Some("2026-05-31"), None],
        );
        let today = date("2026-04-15");
        let flows = flows(&conn, &Scope::default(), today).unwrap();
        // f never had access; e cannot be placed; h has not ended by today.
        let total: u64 = flows.iter().map(|f| f.members).sum();
        assert_eq!(total, 6);
        let months = ["2026-01", "2026-02", "2026-03"].map(ym);
        let ends: Vec<NaiveDate> = months.iter().map(|m| m.last_day()).chain([today]).collect();
        let at = crate::db::series::members_at(&conn, &ends).unwrap();
        for (i, day) in ends.iter().enumerate() {
            let month = YearMonth::of(*day);
            let active: u64 = flows
                .iter()
                .filter(|f| f.joined <= month && f.ended.is_none_or(|e| e > month))
                .map(|f| f.members)
                .sum();
            assert_eq!(active, at[i], "at {day}");
        }
        assert!(flows.contains(&Flow {
            joined: ym("2026-01"),
            ended: Some(ym("2026-03")),
            members: 2
        }));
    }

    #[test]
    fn scope_narrows_by_tier_source_and_tag() {
        let mut conn = crate::db::memory();
        add(
            &mut conn,
            "a",
            Status::Active,
            [Some("2026-01-10"), None, None],
        );
        conn.execute_batch("INSERT INTO member_tags VALUES (1, 'rust')")
            .unwrap();
        let today = date("2026-04-15");
        let count = |scope: Scope| -> u64 {
            flows(&conn, &scope, today)
                .unwrap()
                .iter()
                .map(|f| f.members)
                .sum()
        };
        assert_eq!(count(Scope::default()), 1);
        assert_eq!(
            count(Scope {
                tier: Some("BASIC".into()),
                ..Scope::default()
            }),
            1
        );
        assert_eq!(
            count(Scope {
                tier: Some("pro".into()),
                ..Scope::default()
            }),
            0
        );
        assert_eq!(
            count(Scope {
                source: Some("x".into()),
                ..Scope::default()
            }),
            0
        );
        assert_eq!(
            count(Scope {
                tags: vec!["rust".into()],
                ..Scope::default()
            }),
            1
        );
        assert_eq!(
            count(Scope {
                tags: vec!["go".into()],
                ..Scope::default()
            }),
            0
        );
    }
}
