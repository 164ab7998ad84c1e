//! The rollups (migrations 5 and 6, `migrations/0005_rollups.sql`, `0006_revenue_by.sql`):
//! small aggregate tables that triggers keep exact on every write to members, tags and
//! payments (since schema 8 each writing connection's own TEMP triggers, `rollups_triggers.sql`;
//! another program's writes mark them stale and the next open rebuilds them), so that the
//! summary and the reports read a few thousand rows instead of a million members or five
//! million payments. This file reads them, rebuilds them from the base tables, and adds a bulk
//! load to them in grouped statements.
//!
//! It must not decide what a figure means: each reader returns exactly what the scan it stands
//! in for returns (`db::metrics`, `db::payments`, `db::courses` keep those scans, reachable with
//! [`Via::Scan`]), and a test applies random writes and holds the two equal. Where a filter is
//! not a rollup key (tags, join dates) the callers fall back to the scan.
//!
//! Status and the flows depend on today, which no trigger sees: the rollups keep months, and
//! the part of today's month that depends on the day is read exactly from the members whose
//! expiry, departure or join falls in it (indexed ranges over a few thousand members). Distinct
//! payers do not add up over days either: `report revenue --by` reads them for whole months,
//! and the days of a month the range cuts from the ledger (`PartMonth`).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::members::Fields;
use super::metrics::{ENDED_ON, Flow, Group, GroupCount, PLACEABLE, Scope, named};
use super::payments::{Dimension, DimensionTotals};
use crate::dates::{self, YearMonth};
use crate::member::Status;
use crate::money::Money;
use crate::revenue::Kind;

/// Where a figure is read from. Everything but tests reads [`Via::Rollups`], which falls back to
/// the scan by itself when the scope asks for what the rollups do not keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Rollups,
    Scan,
}

/// The SQL that empties the rollups of members (and their tags and churned fees) and fills
/// them again from the base tables; migration 5 runs it once after creating them.
const FILL_MEMBERS: &str = include_str!("rollups_fill_members.sql");
/// The same for the rollups of the ledger alone.
const FILL_PAYMENTS: &str = include_str!("rollups_fill_payments.sql");
/// The same for the rollups of `report revenue --by` (migration 6).
const FILL_BY: &str = include_str!("rollups_fill_by.sql");

/// Recomputes every rollup from the base tables. The triggers keep them exact, so this is a
/// repair; a test holds its result equal to what the triggers maintained.
pub fn rebuild(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(FILL_MEMBERS)?;
    tx.execute_batch(FILL_PAYMENTS)?;
    tx.execute_batch(FILL_BY)
}

/// Adds members just inserted (with their tags) while the member and tag triggers were
/// suspended (`members::suspend_for_bulk_load`) to the rollups, as those triggers would have:
/// one grouped statement per rollup for many members, through the same key views. Up to
/// `ADD_MEMBERS` ids at a time. (A whole-table rebuild sorts every member once per rollup:
/// about 3 s each for a million.)
pub fn add_members(tx: &Transaction<'_>, ids: &[i64]) -> rusqlite::Result<()> {
    for chunk in ids.chunks(ADD_MEMBERS) {
        let list = vec!["?"; chunk.len()].join(", ");
        for sql in [
            "INSERT INTO rollup_members (tier, source, status, expires_month, n) \
             SELECT tier, source, status, expires_month, count(*) FROM rollup_member_keys \
             WHERE id IN ({list}) GROUP BY 1, 2, 3, 4 \
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
            "INSERT INTO rollup_tags (tag, tier, status, expires_month, n) \
             SELECT tag, tier, status, expires_month, count(*) FROM rollup_tag_keys \
             WHERE id IN ({list}) GROUP BY 1, 2, 3, 4 \
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
            "INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n) \
             SELECT joined_month, ended_month, tier, source, count(*) FROM rollup_member_keys \
             WHERE id IN ({list}) AND in_flows GROUP BY 1, 2, 3, 4 \
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
        ] {
            tx.prepare_cached(&sql.replace("{list}", &list))?
                .execute(rusqlite::params_from_iter(chunk))?;
        }
    }
    Ok(())
}

/// Ids per statement of `add_members`, well under SQLite's 32,766 parameters.
pub const ADD_MEMBERS: usize = 4096;

/// New members counted in memory for the member rollups, for a bulk load with the member and
/// tag triggers suspended: the keys of `rollup_member_keys` and `rollup_tag_keys`, computed
/// here for speed (grouping a million members in SQL, even a few thousand at a time, takes
/// seconds). A member whose keys this does not compute (an expiry of 9999-12-31, whose next
/// day SQLite does not have) goes through `add_members` and the views instead. The import's
/// test holds a load through here equal to the same rows through the triggers.
#[derive(Debug, Default)]
pub struct NewMembers {
    /// Tiers, sources and tags, each stored once; the counts below key them by number.
    names: Names,
    /// (tier, source, status, expiry month) of `rollup_members`.
    members: FastMap<(Name, Option<Name>, Status, Option<YearMonth>), i64>,
    /// (tag, tier, status, expiry month) of `rollup_tags`; no tag is the empty name.
    tags: FastMap<(Name, Name, Status, Option<YearMonth>), i64>,
    /// (joined month, ended month, tier, source) of `rollup_flows`.
    flows: FastMap<(YearMonth, YearMonth, Name, Option<Name>), i64>,
    by_views: Vec<i64>,
}

/// The counting maps of a bulk load: a few lookups per member, a million members. foldhash's
/// fast hasher in place of SipHash took 4.5 % off a first import of a million (paired runs,
/// median of 5); nothing here needs SipHash's resistance to chosen keys.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A name stored in [`Names`].
type Name = u32;

/// Distinct strings, numbered as first seen: counting a member costs a few lookups, not a few
/// copies of its tier, source and tags.
#[derive(Debug, Default)]
struct Names {
    numbers: FastMap<Box<str>, Name>,
    names: Vec<Box<str>>,
}

impl Names {
    fn number(&mut self, name: &str) -> Name {
        if let Some(&n) = self.numbers.get(name) {
            return n;
        }
        let n = Name::try_from(self.names.len()).unwrap_or(Name::MAX);
        self.names.push(name.into());
        self.numbers.insert(name.into(), n);
        n
    }

    fn name(&self, n: Name) -> &str {
        self.names.get(n as usize).map_or("", |name| name)
    }
}

impl NewMembers {
    /// Counts a member just inserted with `tags` (in the order they were inserted).
    pub fn add<'t>(
        &mut self,
        id: i64,
        fields: &Fields,
        tags: impl Iterator<Item = &'t str> + Clone,
    ) {
        // The views' "never": ends and expiry months compare as these days' text does.
        const NEVER: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a real day");
        let has_access = matches!(
            fields.status,
            Status::Trial | Status::Active | Status::Cancelled | Status::Comped
        );
        let lapses = fields.status != Status::Paused;
        let end_after_expiry = match fields.expires_at {
            Some(day) if lapses => match day.succ_opt().filter(|d| d.year() <= 9999) {
                Some(next) => next,
                None => return self.by_views.push(id),
            },
            _ => NEVER,
        };
        let ended_on = fields.left_at.unwrap_or(NEVER).min(end_after_expiry);
        let expires_month = fields.expires_at.filter(|_| has_access).map(YearMonth::of);
        let status = fields.status;
        let tier = self.names.number(&fields.tier);
        let source = fields.source.as_deref().map(|s| self.names.number(s));
        *self
            .members
            .entry((tier, source, status, expires_month))
            .or_default() += 1;
        // member_tags keeps the first of tags equal but for ASCII case (COLLATE NOCASE). A
        // member has a few tags: each is checked against those before it, with nothing
        // allocated.
        let kept = tags
            .clone()
            .enumerate()
            .filter(|&(i, tag)| !tags.clone().take(i).any(|k| k.eq_ignore_ascii_case(tag)));
        let untagged = tags.clone().next().is_none().then_some("");
        for tag in kept.map(|(_, tag)| tag).chain(untagged) {
            let tag = self.names.number(tag);
            *self
                .tags
                .entry((tag, tier, status, expires_month))
                .or_default() += 1;
        }
        let placeable = !(fields.status == Status::Expired
            && fields.expires_at.is_none()
            && fields.left_at.is_none());
        if placeable && ended_on > fields.joined_at {
            let key = (
                YearMonth::of(fields.joined_at),
                YearMonth::of(ended_on),
                tier,
                source,
            );
            *self.flows.entry(key).or_default() += 1;
        }
    }

    /// Adds what was counted to the rollups, and starts counting afresh.
    pub fn write(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let names = &self.names;
        // A member without a source is keyed by the empty blob (migration 5).
        let source = |s: Option<Name>| match s {
            Some(s) => Value::Text(names.name(s).to_string()),
            None => Value::Blob(Vec::new()),
        };
        // No expiry month is the empty text.
        let month = |m: Option<YearMonth>| m.map_or_else(String::new, |m| m.to_string());
        let mut stmt = tx.prepare_cached(
            "INSERT INTO rollup_members (tier, source, status, expires_month, n) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET n = n + excluded.n",
        )?;
        for ((tier, src, status, expires), n) in self.members.drain() {
            let (tier, status) = (names.name(tier), status.as_str());
            stmt.execute(rusqlite::params![
                tier,
                source(src),
                status,
                month(expires),
                n
            ])?;
        }
        let mut stmt = tx.prepare_cached(
            "INSERT INTO rollup_tags (tag, tier, status, expires_month, n) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET n = n + excluded.n",
        )?;
        for ((tag, tier, status, expires), n) in self.tags.drain() {
            let (tag, tier, status) = (names.name(tag), names.name(tier), status.as_str());
            stmt.execute(rusqlite::params![tag, tier, status, month(expires), n])?;
        }
        let mut stmt = tx.prepare_cached(
            "INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET n = n + excluded.n",
        )?;
        for ((joined, ended, tier, src), n) in self.flows.drain() {
            let (joined, ended) = (joined.to_string(), ended.to_string());
            stmt.execute(rusqlite::params![
                joined,
                ended,
                names.name(tier),
                source(src),
                n
            ])?;
        }
        add_members(tx, &std::mem::take(&mut self.by_views))
    }
}

/// A load of many payments (`revenue import`, `course import`) with the insert trigger of the
/// `report revenue --by` rollups suspended: it takes a dozen upserts and lookups a payment,
/// about doubling the time of an import. The payments loaded (those with an id above the
/// largest before the load) are added to those rollups in grouped statements by
/// [`PaymentLoad::finish`]. The drop is part of the caller's transaction, so a rollback
/// brings the trigger back.
#[derive(Debug)]
pub struct PaymentLoad {
    after: i64,
    /// The trigger's SQL, to create it again; `None` when it was left in place.
    trigger: Option<String>,
}

/// Starts a [`PaymentLoad`]: drops the insert trigger of `rollup_revenue_by` and
/// `rollup_payers_by`. Only inserts of payments may follow until `finish`.
pub fn start_payment_load(tx: &Transaction<'_>) -> rusqlite::Result<PaymentLoad> {
    let after: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM payments", [], |r| {
        r.get(0)
    })?;
    // Past the largest possible id SQLite picks new ids at random, below `after`.
    let trigger = if after < i64::MAX / 2 {
        tx.query_row(
            "SELECT sql FROM sqlite_temp_schema WHERE type = 'trigger' AND name = ?1",
            [LOAD_TRIGGER],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .map(|sql| super::temp_sql(&sql))
    } else {
        None
    };
    if trigger.is_some() {
        tx.execute_batch(&format!("DROP TRIGGER temp.{LOAD_TRIGGER}"))?;
    }
    Ok(PaymentLoad { after, trigger })
}

/// The trigger a [`PaymentLoad`] suspends (`rollups_triggers.sql`, from migration 6).
const LOAD_TRIGGER: &str = "rollup_by_payments_insert";

impl PaymentLoad {
    /// Adds the payments loaded to the rollups, as the trigger would have, and creates the
    /// trigger again.
    pub fn finish(self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let Some(trigger) = self.trigger else {
            return Ok(());
        };
        add_payments(tx, self.after)?;
        tx.execute_batch(&trigger)
    }
}

/// Adds the payments with an id above `after` to `rollup_revenue_by` and `rollup_payers_by`:
/// their sums by day and key, and the paying months of each member with a payment among them,
/// recomputed from all the member's payments (+1 each) less those the rollup had, from the
/// payments up to `after` (-1 each), with the window of `rollups_fill_by.sql`. Tiers and
/// sources are read a member at a time, in id order, through the covering payments_member.
/// About 5.5 s for half a million payments into an empty ledger.
fn add_payments(tx: &Transaction<'_>, after: i64) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.rollup_loaded; \
         CREATE TEMP TABLE rollup_loaded (member_id INTEGER PRIMARY KEY)",
    )?;
    // NOT INDEXED: the range of new ids, not a walk of a whole index of the ledger.
    tx.execute(
        "INSERT INTO temp.rollup_loaded SELECT DISTINCT member_id FROM payments NOT INDEXED \
         WHERE id > ?1 AND member_id IS NOT NULL",
        [after],
    )?;
    for sql in ADD_PAYMENTS {
        tx.execute(sql, [after])?;
    }
    for (dimension, column, key) in [
        ("kind", "kind", "kind"),
        ("course", "course_id", "coalesce(course_id, x'')"),
    ] {
        tx.execute(&payers_of_payments(dimension, column, key), [after])?;
    }
    tx.execute_batch("DROP TABLE temp.rollup_loaded")
}

/// The statement of [`add_payments`] for `rollup_payers_by` under a dimension that is a column
/// of the payment (`kind`, `course_id`): each loaded member's paying months of each value,
/// counted with all their payments less those before the load (ids up to `?1`).
fn payers_of_payments(dimension: &str, column: &str, key: &str) -> String {
    format!(
        "INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n) \
         SELECT '{dimension}', {key}, month, prev_month, sum(n) FROM ( \
           SELECT p.{column}, substr(p.paid_on, 1, 7) AS month, \
                  coalesce(substr(lag(p.paid_on) OVER (PARTITION BY p.member_id, p.{column} \
                                                       ORDER BY p.paid_on), 1, 7), '') AS prev_month, \
                  1 AS n \
           FROM temp.rollup_loaded t CROSS JOIN payments p ON p.member_id = t.member_id \
           WHERE p.kind <> 'refund' \
           UNION ALL \
           SELECT p.{column}, substr(p.paid_on, 1, 7), \
                  coalesce(substr(lag(p.paid_on) OVER (PARTITION BY p.member_id, p.{column} \
                                                       ORDER BY p.paid_on), 1, 7), ''), -1 \
           FROM temp.rollup_loaded t CROSS JOIN payments p ON p.member_id = t.member_id \
           WHERE p.kind <> 'refund' AND p.id <= ?1) \
         WHERE month <> prev_month GROUP BY {column}, month, prev_month HAVING sum(n) <> 0 \
         ON CONFLICT DO UPDATE SET n = n + excluded.n"
    )
}

/// The statements of [`add_payments`], each taking `after` as `?1`.
const ADD_PAYMENTS: [&str; 4] = [
    "INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount) \
     SELECT 'kind', kind, paid_on, sum(amount > 0), sum(max(amount, 0)), sum(min(amount, 0)), \
            sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END) \
     FROM payments NOT INDEXED WHERE id > ?1 GROUP BY paid_on, kind \
     ON CONFLICT DO UPDATE SET payments = payments + excluded.payments, \
        gross = gross + excluded.gross, refunds = refunds + excluded.refunds, \
        member_amount = member_amount + excluded.member_amount",
    "INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount) \
     SELECT 'course', coalesce(course_id, x''), paid_on, sum(amount > 0), sum(max(amount, 0)), \
            sum(min(amount, 0)), sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END) \
     FROM payments NOT INDEXED WHERE id > ?1 GROUP BY paid_on, course_id \
     ON CONFLICT DO UPDATE SET payments = payments + excluded.payments, \
        gross = gross + excluded.gross, refunds = refunds + excluded.refunds, \
        member_amount = member_amount + excluded.member_amount",
    // By tier and source at once, then each.
    "INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount) \
     SELECT d.dimension, CASE d.dimension WHEN 'tier' THEN x.tier ELSE x.source END, x.paid_on, \
            sum(x.payments), sum(x.gross), sum(x.refunds), sum(x.member_amount) \
     FROM (SELECT coalesce(m.tier, x'') AS tier, coalesce(m.source, x'') AS source, p.paid_on, \
                  sum(p.amount > 0) AS payments, sum(max(p.amount, 0)) AS gross, \
                  sum(min(p.amount, 0)) AS refunds, sum(p.amount) AS member_amount \
           FROM temp.rollup_loaded t CROSS JOIN payments p ON p.member_id = t.member_id \
           LEFT JOIN members m ON m.id = t.member_id \
           WHERE p.id > ?1 GROUP BY 1, 2, 3 \
           UNION ALL \
           SELECT x'', x'', paid_on, sum(amount > 0), sum(max(amount, 0)), sum(min(amount, 0)), 0 \
           FROM payments NOT INDEXED WHERE id > ?1 AND member_id IS NULL GROUP BY paid_on) x \
     CROSS JOIN (SELECT 'tier' AS dimension UNION ALL SELECT 'source') d \
     GROUP BY 1, 2, 3 \
     ON CONFLICT DO UPDATE SET payments = payments + excluded.payments, \
        gross = gross + excluded.gross, refunds = refunds + excluded.refunds, \
        member_amount = member_amount + excluded.member_amount",
    // A member's paying months count under their tier and their source: by both at once,
    // then each.
    "INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n) \
     SELECT d.dimension, CASE d.dimension WHEN 'tier' THEN x.tier ELSE x.source END, \
            x.month, x.prev_month, sum(x.n) \
     FROM (SELECT coalesce(m.tier, x'') AS tier, coalesce(m.source, x'') AS source, \
                  s.month, s.prev_month, sum(s.n) AS n \
           FROM (SELECT p.member_id, substr(p.paid_on, 1, 7) AS month, \
                        coalesce(substr(lag(p.paid_on) OVER (PARTITION BY p.member_id \
                                                             ORDER BY p.paid_on), 1, 7), '') AS prev_month, \
                        1 AS n \
                 FROM temp.rollup_loaded t CROSS JOIN payments p ON p.member_id = t.member_id \
                 WHERE p.kind <> 'refund' \
                 UNION ALL \
                 SELECT p.member_id, substr(p.paid_on, 1, 7), \
                        coalesce(substr(lag(p.paid_on) OVER (PARTITION BY p.member_id \
                                                             ORDER BY p.paid_on), 1, 7), ''), -1 \
                 FROM temp.rollup_loaded t CROSS JOIN payments p ON p.member_id = t.member_id \
                 WHERE p.kind <> 'refund' AND p.id <= ?1) s \
           LEFT JOIN members m ON m.id = s.member_id \
           WHERE s.month <> s.prev_month GROUP BY 1, 2, 3, 4) x \
     CROSS JOIN (SELECT 'tier' AS dimension UNION ALL SELECT 'source') d \
     GROUP BY 1, 2, 3, 4 HAVING sum(x.n) <> 0 \
     ON CONFLICT DO UPDATE SET n = n + excluded.n",
];

/// Members with access whose stored status still says so but whose expiry day in today's
/// month has passed: they are `expired` now, while the rollup (keyed by month) has them under
/// their stored status. Each is read once (`members_expires_at` covers it) and crossed with
/// two rows: one to take them from their stored status, one to add them to `expired`.
const LAPSED_THIS_MONTH: &str = "m.expires_at >= :month_start AND m.expires_at < :today \
     AND m.status IN ('trial', 'active', 'cancelled', 'comped')";

/// Keeps the parameters `sql` names (rusqlite refuses one it does not).
fn used_by(sql: &str, mut values: Vec<(String, Value)>) -> Vec<(String, Value)> {
    values.retain(|(name, _)| {
        sql.match_indices(name.as_str()).any(|(at, _)| {
            !sql[at + name.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    });
    values
}

fn month_values(today: NaiveDate) -> Vec<(String, Value)> {
    let month = YearMonth::of(today);
    let next = month
        .next()
        .map_or_else(|| "9999-12-32".to_string(), |m| m.first_day().to_string());
    vec![
        (":today".into(), Value::Text(today.to_string())),
        (":month".into(), Value::Text(month.to_string())),
        (
            ":month_start".into(),
            Value::Text(month.first_day().to_string()),
        ),
        (":next_start".into(), Value::Text(next)),
    ]
}

/// Whether `members_by` can read the rollups for this scope and group.
pub(super) fn covers_members_by(group: Group, scope: &Scope) -> bool {
    scope.tags.is_empty() && !(group == Group::Tag && scope.source.is_some())
}

/// `metrics::members_by` without join dates, from `rollup_members` (or `rollup_tags`), plus
/// the members of today's month whose expiry has passed moved to `expired`.
pub(super) fn members_by(
    conn: &Connection,
    group: Group,
    scope: &Scope,
    today: NaiveDate,
) -> rusqlite::Result<Vec<GroupCount>> {
    let (rollup_key, member_key, table, join) = match group {
        Group::Tier => ("m.tier", "m.tier", "rollup_members", ""),
        Group::Status => ("NULL", "NULL", "rollup_members", ""),
        Group::Source => ("nullif(m.source, x'')", "m.source", "rollup_members", ""),
        Group::Tag => (
            "nullif(m.tag, '')",
            "t.tag",
            "rollup_tags",
            "LEFT JOIN member_tags t ON t.member_id = m.id",
        ),
    };
    // Tags group case-insensitively and are named by their first spelling in byte order, as
    // in the scan; rollup_tags keeps each spelling apart, and spellings no member has any more
    // (their rows sum to zero) are dropped before naming the group.
    let group_key = if group == Group::Tag {
        "k COLLATE NOCASE"
    } else {
        "k"
    };
    let (scope_sql, mut values) = scope.clause();
    values.extend(month_values(today));
    let sql = format!(
        "SELECT min(k), tier, s, sum(n) FROM (SELECT k, tier, s, sum(n) AS n FROM ( \
           SELECT {rollup_key} AS k, m.tier AS tier, \
                  CASE WHEN m.expires_month <> '' AND m.expires_month < :month THEN 'expired' \
                  ELSE m.status END AS s, m.n AS n \
           FROM {table} m WHERE {scope_sql} \
           UNION ALL \
           SELECT {member_key}, m.tier, CASE WHEN e.n > 0 THEN 'expired' ELSE m.status END, e.n \
           FROM members m {join} CROSS JOIN (SELECT 1 AS n UNION ALL SELECT -1) e \
           WHERE {LAPSED_THIS_MONTH} AND {scope_sql}) \
           GROUP BY k, tier, s HAVING sum(n) <> 0) \
         GROUP BY {group_key}, tier, s ORDER BY {group_key}, tier, s"
    );
    let values = used_by(&sql, values);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), GroupCount::from_row)?;
    rows.collect()
}

/// `metrics::flows` from `rollup_flows`. The rollup keeps every member in the flows by join
/// month and end month; at `today` those who join later in today's month are not in yet, and
/// those whose access ends later in today's month have not ended yet: both are read from the
/// members (by join day, expiry and departure: indexed ranges) and corrected.
pub(super) fn flows(
    conn: &Connection,
    scope: &Scope,
    today: NaiveDate,
) -> rusqlite::Result<Vec<(String, Option<String>, i64)>> {
    let (scope_sql, mut values) = scope.clause();
    values.extend(month_values(today));
    // Members who join later this month: the rollup has them, the rule not yet.
    let joining = format!(
        "m.joined_at > :today AND m.joined_at < :next_start \
         AND {PLACEABLE} AND {ENDED_ON} > m.joined_at AND {scope_sql}"
    );
    // Members in since before today whose access ends later this month: the rollup has them
    // ended in this month, the rule not yet (an end day implies PLACEABLE). They are found by
    // expiry or departure in that span, both indexed.
    let ending = format!(
        "((m.expires_at >= :today AND m.expires_at < :next_start) \
          OR (m.left_at > :today AND m.left_at < :next_start)) \
         AND {ENDED_ON} > :today AND {ENDED_ON} < :next_start \
         AND m.joined_at <= :today AND {ENDED_ON} > m.joined_at AND {scope_sql}"
    );
    let sql = format!(
        "SELECT joined, ended, sum(n) FROM ( \
           SELECT m.joined_month AS joined, \
                  CASE WHEN m.ended_month > :month THEN NULL ELSE m.ended_month END AS ended, \
                  m.n AS n \
           FROM rollup_flows m WHERE m.joined_month <= :month AND {scope_sql} \
           UNION ALL \
           SELECT :month, CASE WHEN substr({ENDED_ON}, 1, 7) > :month THEN NULL ELSE :month END, -1 \
           FROM members m WHERE {joining} \
           UNION ALL \
           SELECT substr(m.joined_at, 1, 7), e.ended, e.n \
           FROM members m CROSS JOIN (SELECT :month AS ended, -1 AS n UNION ALL SELECT NULL, 1) e \
           WHERE {ending}) \
         GROUP BY joined, ended HAVING sum(n) <> 0 ORDER BY joined, ended"
    );
    let values = used_by(&sql, values);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.collect()
}

/// The MRR lost with the members whose access ended between `from` and `until` (both
/// included), by month, from `rollup_churn` (each member's fees already spread to the month
/// before their access ended).
pub(super) fn churned_mrr(
    conn: &Connection,
    scope: &Scope,
    from: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<(YearMonth, Money)>> {
    let (scope_sql, mut values) = scope.clause();
    values.push((":from".into(), Value::Text(from.to_string())));
    values.push((":until".into(), Value::Text(until.to_string())));
    let sql = format!(
        "SELECT substr(m.ended_on, 1, 7) AS month, sum(m.lost) FROM rollup_churn m \
         WHERE m.ended_on BETWEEN :from AND :until AND {scope_sql} \
         GROUP BY month HAVING sum(m.lost) <> 0 ORDER BY month"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named(&values).as_slice(), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Money>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (month, lost) = row?;
        out.push((
            dates::parse_month(&month)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            lost,
        ));
    }
    Ok(out)
}

/// How [`by_dimension`] counts the payers of a month the range covers only in part (its first
/// or its last; the default range ends today).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code, reason = "only tests force one way"))]
pub(super) enum PartMonth {
    /// Whichever of the two below reads fewer payments of the ledger: what the report uses.
    Cheaper,
    /// The whole month from the rollup, less the members whose payments in the months taken
    /// whole all fall on days outside the range.
    Whole,
    /// The payers of its days inside the range from the ledger, less those who also paid in
    /// the months taken whole.
    Days,
}

/// A key of `rollup_revenue_by` and `rollup_payers_by`: x'' stands for none.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    None,
    Text(String),
    Id(i64),
}

impl Key {
    /// `None` for a value no key of migration 6 takes (the scan then answers).
    fn read(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<Key>> {
        Ok(match row.get_ref(index)? {
            ValueRef::Blob([]) => Some(Key::None),
            ValueRef::Text(t) => std::str::from_utf8(t).ok().map(|t| Key::Text(t.into())),
            ValueRef::Integer(id) => Some(Key::Id(id)),
            _ => None,
        })
    }
}

/// `payments::by_dimension` from `rollup_revenue_by` (sums by day, exact for any range) and
/// `rollup_payers_by` (distinct payers of whole months), with the payers of a month the range
/// covers in part counted from the ledger's days there (see [`PartMonth`]). `None` when the
/// rollups cannot answer exactly and the scan must: a date whose year has not four digits (the
/// rollups compare months as text), a key of an unexpected type, or two keys under one name (a
/// course id that names no course, beside payments without a course).
pub(super) fn by_dimension(
    conn: &Connection,
    dimension: Dimension,
    since: NaiveDate,
    until: NaiveDate,
    part: PartMonth,
) -> rusqlite::Result<Option<Vec<DimensionTotals>>> {
    let four_digits = |day: NaiveDate| (1..=9999).contains(&day.year());
    if !four_digits(since) || !four_digits(until) || since > until {
        return Ok(None);
    }
    let name = dimension.as_str();
    let mut keys: HashMap<Key, DimensionTotals> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT key, sum(payments), sum(gross), sum(refunds), sum(member_amount) \
         FROM rollup_revenue_by WHERE dimension = ?1 AND paid_on >= ?2 AND paid_on <= ?3 \
         GROUP BY key HAVING sum(gross) <> 0 OR sum(refunds) <> 0",
    )?;
    let mut rows = stmt.query(params![name, since, until])?;
    while let Some(row) = rows.next()? {
        let Some(key) = Key::read(row, 0)? else {
            return Ok(None);
        };
        let totals = DimensionTotals {
            key: None,
            payments: row.get(1)?,
            gross: row.get(2)?,
            refunds: row.get(3)?,
            paying_members: 0,
            member_revenue: row.get(4)?,
        };
        keys.insert(key, totals);
    }
    let whole = whole_months(conn, since, until, part)?;
    let mut payers: Vec<(Option<Key>, i64)> = Vec::new();
    if let Some((from, to)) = whole {
        let mut stmt = conn.prepare_cached(
            "SELECT key, sum(n) FROM rollup_payers_by \
             WHERE dimension = ?1 AND month >= ?2 AND month <= ?3 AND prev_month < ?2 \
             GROUP BY key",
        )?;
        let mut rows = stmt.query(params![name, from.to_string(), to.to_string()])?;
        while let Some(row) = rows.next()? {
            payers.push((Key::read(row, 0)?, row.get(1)?));
        }
    }
    let range = Some((since, until));
    let whole_days = whole.map(|(from, to)| (from.first_day(), to.last_day()));
    // Counted in the whole months, but paid there only on days outside the range.
    for (key, n) in ledger_payers(conn, dimension, &minus(whole_days, range), range)? {
        payers.push((key, -n));
    }
    // Paid in the range on days outside the whole months, and not in them.
    for (key, n) in ledger_payers(conn, dimension, &minus(range, whole_days), whole_days)? {
        payers.push((key, n));
    }
    let mut by_key: HashMap<Key, i64> = HashMap::new();
    for (key, n) in payers {
        let Some(key) = key else {
            return Ok(None);
        };
        *by_key.entry(key).or_default() += n;
    }
    for (key, n) in by_key.into_iter().filter(|(_, n)| *n != 0) {
        // A key with payers in the range has a payment there, so a row of sums.
        match keys.get_mut(&key) {
            Some(totals) => totals.paying_members = n,
            None => return Ok(None),
        }
    }
    let mut named = Vec::with_capacity(keys.len());
    let mut names = std::collections::HashSet::new();
    let mut slug = conn.prepare_cached("SELECT slug FROM courses WHERE id = ?1")?;
    for (key, mut totals) in keys {
        totals.key = match (key, dimension) {
            (Key::None, _) => None,
            (Key::Text(text), Dimension::Kind | Dimension::Tier | Dimension::Source) => Some(text),
            (Key::Id(id), Dimension::Course) => slug.query_row([id], |r| r.get(0)).optional()?,
            _ => return Ok(None),
        };
        if !names.insert(totals.key.clone()) {
            return Ok(None);
        }
        named.push(totals);
    }
    // As the scan orders: the largest net first, then by name (none first, then bytewise).
    named.sort_by(|a, b| {
        let net = |t: &DimensionTotals| i128::from(t.gross.minor()) + i128::from(t.refunds.minor());
        net(b).cmp(&net(a)).then_with(|| a.key.cmp(&b.key))
    });
    Ok(Some(named))
}

/// The months from `rollup_payers_by` that [`by_dimension`] reads whole: those the range
/// covers, and each it covers in part when `part` says so; `None` for none.
fn whole_months(
    conn: &Connection,
    since: NaiveDate,
    until: NaiveDate,
    part: PartMonth,
) -> rusqlite::Result<Option<(YearMonth, YearMonth)>> {
    let (first, last) = (YearMonth::of(since), YearMonth::of(until));
    // Whether to read `month` whole: always when the range covers it, else as `part` says.
    let take = |month: YearMonth| -> rusqlite::Result<bool> {
        if since <= month.first_day() && until >= month.last_day() {
            return Ok(true);
        }
        Ok(match part {
            PartMonth::Whole => true,
            PartMonth::Days => false,
            PartMonth::Cheaper => {
                let days = Some((month.first_day(), month.last_day()));
                let inside = (month.first_day().max(since), month.last_day().min(until));
                let outside = payments_on(conn, &minus(days, Some((since, until))))?;
                let inside = payments_on(conn, &[inside])?;
                // Each payer read from the ledger is then looked up among their payments of
                // the other months, which costs about twice the reading (measured at scale);
                // a range within one month read by its days has no other months to look in.
                let looked_up = |n: i64| n.saturating_mul(3);
                if first == last {
                    looked_up(outside) <= inside
                } else {
                    outside <= inside
                }
            }
        })
    };
    if first == last {
        return Ok(take(first)?.then_some((first, last)));
    }
    let from = if take(first)? {
        Some(first)
    } else {
        first.next()
    };
    let to = if take(last)? { Some(last) } else { last.prev() };
    Ok(from.zip(to).filter(|(from, to)| from <= to))
}

/// The days of `a` outside `b` (none for no `a`; all of `a` for no `b`): two spans at most.
fn minus(
    a: Option<(NaiveDate, NaiveDate)>,
    b: Option<(NaiveDate, NaiveDate)>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let Some((a_from, a_to)) = a else {
        return Vec::new();
    };
    let Some((b_from, b_to)) = b else {
        return vec![(a_from, a_to)];
    };
    let mut out = Vec::new();
    if let Some(before) = b_from.pred_opt().filter(|_| a_from < b_from) {
        out.push((a_from, a_to.min(before)));
    }
    if let Some(after) = b_to.succ_opt().filter(|_| a_to > b_to) {
        out.push((a_from.max(after), a_to));
    }
    out
}

/// Payments (not refunds) on the days of `spans`, from `rollup_revenue_by`: what reading them
/// from the ledger costs.
fn payments_on(conn: &Connection, spans: &[(NaiveDate, NaiveDate)]) -> rusqlite::Result<i64> {
    // By kind, each kind a range of the primary key.
    let kinds = Kind::ALL.map(|k| format!("'{}'", k.as_str())).join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT coalesce(sum(payments), 0) FROM rollup_revenue_by \
         WHERE dimension = 'kind' AND key IN ({kinds}) AND paid_on >= ?1 AND paid_on <= ?2"
    ))?;
    let mut total = 0i64;
    for (from, to) in spans {
        let n: i64 = stmt.query_row(params![from, to], |r| r.get(0))?;
        total = total.saturating_add(n);
    }
    Ok(total)
}

/// From the ledger, per key: the members with a payment (not a refund) of that key on the days
/// of `spans` (two at most) and none of that key on the days of `not_in`.
fn ledger_payers(
    conn: &Connection,
    dimension: Dimension,
    spans: &[(NaiveDate, NaiveDate)],
    not_in: Option<(NaiveDate, NaiveDate)>,
) -> rusqlite::Result<Vec<(Option<Key>, i64)>> {
    if spans.is_empty() {
        return Ok(Vec::new());
    }
    // The key of a payment in the spans (tier and source: of its member, read once each after
    // the union has put the members in order), and which of the member's payments share it.
    let (inner, outer, join, same) = match dimension {
        Dimension::Kind => ("p.kind", "t.k", "", "q.kind = t.k"),
        Dimension::Course => (
            "coalesce(p.course_id, x'')",
            "t.k",
            "",
            "q.kind <> 'refund' AND coalesce(q.course_id, x'') = t.k",
        ),
        Dimension::Tier => (
            "NULL",
            "coalesce(m.tier, x'')",
            "LEFT JOIN members m ON m.id = t.member_id",
            "q.kind <> 'refund'",
        ),
        Dimension::Source => (
            "NULL",
            "coalesce(m.source, x'')",
            "LEFT JOIN members m ON m.id = t.member_id",
            "q.kind <> 'refund'",
        ),
    };
    let span = |from: &str, to: &str| {
        format!(
            "SELECT {inner} AS k, p.member_id AS member_id FROM payments p \
             WHERE p.paid_on >= {from} AND p.paid_on <= {to} \
             AND p.member_id IS NOT NULL AND p.kind <> 'refund'"
        )
    };
    let unless = match not_in {
        Some(_) => format!(
            "WHERE NOT EXISTS (SELECT 1 FROM payments q WHERE q.member_id = t.member_id \
             AND q.paid_on >= ?5 AND q.paid_on <= ?6 AND {same})"
        ),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {outer}, count(*) FROM ({} UNION {}) t {join} {unless} GROUP BY 1",
        span("?1", "?2"),
        span("?3", "?4"),
    );
    // An empty span: no day is at once after '9' and before '0'.
    let text = |span: Option<&(NaiveDate, NaiveDate)>| match span {
        Some((from, to)) => (from.to_string(), to.to_string()),
        None => ("9".to_string(), "0".to_string()),
    };
    let (a, b) = (text(spans.first()), text(spans.get(1)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = match not_in {
        Some((from, to)) => stmt.query(params![a.0, a.1, b.0, b.1, from, to])?,
        None => stmt.query(params![a.0, a.1, b.0, b.1])?,
    };
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((Key::read(row, 0)?, row.get(1)?));
    }
    Ok(out)
}

/// Turns `(join month, end month, count)` rows into flows.
pub(super) fn to_flows(rows: Vec<(String, Option<String>, i64)>) -> rusqlite::Result<Vec<Flow>> {
    let month = |text: &str| {
        dates::parse_month(text).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    };
    rows.into_iter()
        .map(|(joined, ended, n)| {
            Ok(Flow {
                joined: month(&joined)?,
                ended: ended.as_deref().map(month).transpose()?,
                members: u64::try_from(n).unwrap_or(0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::metrics::{self, Group, Scope};
    use crate::db::{courses, payments};
    use proptest::prelude::*;
    use rusqlite::params;

    /// SplitMix64: the writes of a case follow from its seed alone.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len() as u64) as usize]
        }

        /// A day from 2024-11-01 on, within `days`.
        fn day(&mut self, days: u64) -> String {
            let start = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
            (start + chrono::Days::new(self.below(days))).to_string()
        }

        fn maybe_day(&mut self, none_in: u64, days: u64) -> Option<String> {
            (self.below(none_in) != 0).then(|| self.day(days))
        }
    }

    const TIERS: &[&str] = &["free", "basic", "pro", "Pro"];
    const SOURCES: &[&str] = &["wechat", "patreon", "Patreon"];
    const STATUSES: &[&str] = &[
        "trial",
        "active",
        "paused",
        "cancelled",
        "expired",
        "comped",
    ];
    const TAGS: &[&str] = &["rust", "Rust", "ai", "go"];
    const KINDS: &[&str] = &[
        "membership",
        "membership",
        "membership",
        "course",
        "qa",
        "ad",
    ];

    fn one_id(conn: &Connection, table: &str, rng: &mut Rng) -> Option<i64> {
        conn.query_row(
            &format!("SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET ?1 % max(1, (SELECT count(*) FROM {table}))"),
            [rng.below(1 << 20) as i64],
            |r| r.get(0),
        )
        .ok()
    }

    /// One random write, of any kind the commands make and some they never do (a tag renamed,
    /// a payment moved to another member or day, a course removed).
    fn write(tx: &Transaction<'_>, rng: &mut Rng, serial: u64) -> rusqlite::Result<()> {
        let member = one_id(tx, "members", rng);
        let payment = one_id(tx, "payments", rng);
        match rng.below(16) {
            0..=3 => {
                let source = (rng.below(4) != 0).then(|| rng.pick(SOURCES));
                let joined = rng.day(800);
                // Mostly a year or so after joining, as paid members expire.
                let expires = (rng.below(4) != 0).then(|| {
                    let day: NaiveDate = joined.parse().unwrap();
                    (day + chrono::Days::new(rng.below(400))).to_string()
                });
                let verb = if rng.below(3) == 0 {
                    "INSERT OR IGNORE"
                } else {
                    "INSERT"
                };
                tx.execute(
                    &format!(
                        "{verb} INTO members (name, phone, source, tier, status, joined_at, \
                         expires_at, left_at, created_at, updated_at) \
                         VALUES ('m', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'x', 'x')"
                    ),
                    params![
                        format!("p{serial}"),
                        source,
                        rng.pick(TIERS),
                        rng.pick(STATUSES),
                        joined,
                        expires,
                        rng.maybe_day(6, 800).filter(|_| rng.below(3) == 0),
                    ],
                )?;
            }
            4 | 5 => {
                let column = rng.pick(&[
                    "tier",
                    "source",
                    "status",
                    "joined_at",
                    "expires_at",
                    "left_at",
                    "name",
                ]);
                let value: Option<String> = match column {
                    "tier" => Some(rng.pick(TIERS).into()),
                    "source" => (rng.below(3) != 0).then(|| rng.pick(SOURCES).into()),
                    "status" => Some(rng.pick(STATUSES).into()),
                    "joined_at" => Some(rng.day(800)),
                    "name" => Some("renamed".into()),
                    _ => rng.maybe_day(3, 1000),
                };
                tx.execute(
                    &format!("UPDATE members SET {column} = ?1 WHERE id = ?2"),
                    params![value, member],
                )?;
            }
            6 => {
                tx.execute("DELETE FROM members WHERE id = ?1", [member])?;
            }
            7 | 8 => {
                tx.execute(
                    "INSERT OR IGNORE INTO member_tags (member_id, tag) SELECT id, ?2 FROM members WHERE id = ?1",
                    params![member, rng.pick(TAGS)],
                )?;
            }
            9 => {
                tx.execute(
                    "DELETE FROM member_tags WHERE member_id = ?1 AND tag = ?2",
                    params![member, rng.pick(TAGS)],
                )?;
            }
            10 => {
                tx.execute(
                    "UPDATE OR IGNORE member_tags SET tag = ?2 WHERE rowid IN \
                     (SELECT rowid FROM member_tags WHERE member_id = ?1 LIMIT 1)",
                    params![member, rng.pick(TAGS)],
                )
                .or_else(|_| {
                    tx.execute(
                        "UPDATE OR IGNORE member_tags SET tag = ?2 WHERE member_id = ?1 AND tag = \
                         (SELECT min(tag) FROM member_tags WHERE member_id = ?1)",
                        params![member, rng.pick(TAGS)],
                    )
                })?;
            }
            11..=13 => add_payment(tx, rng, member)?,
            14 => add_refund(tx, rng, payment)?,
            _ => match rng.below(5) {
                4 => {
                    tx.execute("DELETE FROM payments WHERE id = ?1", [payment])?;
                }
                0 => {
                    tx.execute(
                        "INSERT INTO courses (slug, title, price, status, created_at, updated_at) \
                         VALUES (?1, 't', 100, 'open', 'x', 'x')",
                        [format!("c{serial}")],
                    )?;
                }
                1 => {
                    tx.execute(
                        "DELETE FROM courses WHERE id = ?1",
                        [one_id(tx, "courses", rng)],
                    )?;
                }
                2 => {
                    tx.execute(
                        "UPDATE payments SET member_id = ?2, paid_on = ?3 WHERE id = ?1",
                        params![payment, member, rng.day(760)],
                    )?;
                }
                _ => {
                    tx.execute(
                        "UPDATE payments SET period_start = NULL, period_months = NULL WHERE id = ?1",
                        [payment],
                    )?;
                }
            },
        }
        Ok(())
    }

    /// A payment of a random kind, mostly naming `member`, on a random day.
    fn add_payment(
        tx: &Transaction<'_>,
        rng: &mut Rng,
        member: Option<i64>,
    ) -> rusqlite::Result<()> {
        let kind = rng.pick(KINDS);
        // Most fees start when their member joined, so that many cover the month before
        // the member's access ended: what revenue churn counts.
        let start: Option<String> = match rng.below(4) {
            1..=3 => tx
                .query_row(
                    "SELECT joined_at FROM members WHERE id = ?1",
                    [member],
                    |r| r.get(0),
                )
                .ok(),
            _ => None,
        };
        let period = (kind == "membership" && rng.below(5) != 0).then(|| {
            (
                start.unwrap_or_else(|| rng.day(800)),
                [1, 3, 12][rng.below(3) as usize],
            )
        });
        let course = (kind == "course")
            .then(|| one_id(tx, "courses", rng))
            .flatten();
        let amount = [9900, 29900, 100_001, 7, 12345][rng.below(5) as usize];
        let day = rng.day(760);
        tx.execute(
            "INSERT INTO payments (kind, amount, currency, paid_at, paid_on, member_id, \
             course_id, period_start, period_months, created_at) \
             VALUES (?1, ?2, 'CNY', ?3, ?3, ?4, ?5, ?6, ?7, 'x')",
            params![
                kind,
                amount,
                day,
                member.filter(|_| rng.below(5) != 0),
                course,
                period.as_ref().map(|p| &p.0),
                period.as_ref().map(|p| p.1),
            ],
        )?;
        Ok(())
    }

    /// A refund of what is left of `payment`, or of part of it.
    fn add_refund(
        tx: &Transaction<'_>,
        rng: &mut Rng,
        payment: Option<i64>,
    ) -> rusqlite::Result<()> {
        let left: Option<i64> = tx
            .query_row(
                "SELECT p.amount + coalesce((SELECT sum(amount) FROM payments r WHERE r.refund_of = p.id), 0) \
                 FROM payments p WHERE p.id = ?1 AND p.kind <> 'refund'",
                [payment],
                |r| r.get(0),
            )
            .ok();
        if let Some(left) = left.filter(|l| *l > 0) {
            let amount = if rng.below(2) == 0 {
                left
            } else {
                1 + rng.below(left as u64) as i64
            };
            tx.execute(
                "INSERT INTO payments (kind, amount, currency, paid_at, paid_on, member_id, \
                 course_id, period_start, period_months, refund_of, created_at) \
                 SELECT 'refund', ?2, currency, ?3, ?3, member_id, course_id, period_start, \
                 period_months, id, 'x' FROM payments WHERE id = ?1",
                params![payment, -amount, rng.day(760)],
            )?;
        }
        Ok(())
    }

    /// Every rollup's non-zero rows, in key order.
    fn snapshot(conn: &Connection) -> Vec<String> {
        let tables = [
            ("rollup_members", "n"),
            ("rollup_tags", "n"),
            ("rollup_flows", "n"),
            ("rollup_churn", "lost"),
            ("rollup_mrr", "n"),
            ("rollup_revenue", "amount"),
            ("rollup_payers", "n"),
            ("rollup_courses", "payments"),
            ("rollup_revenue_by", "gross <> 0 OR refunds"),
            ("rollup_payers_by", "n"),
        ];
        let mut rows = Vec::new();
        for (table, value) in tables {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} WHERE {value} <> 0"))
                .unwrap();
            let count = stmt.column_count();
            let mut query = stmt.query([]).unwrap();
            while let Some(row) = query.next().unwrap() {
                let cells: Vec<String> = (0..count)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                rows.push(format!("{table}: {}", cells.join(" | ")));
            }
        }
        rows
    }

    /// Equal, or a failure that shows only the rows that differ.
    fn assert_same<T: std::fmt::Debug + PartialEq>(rollups: Vec<T>, scan: Vec<T>, what: &str) {
        if rollups != scan {
            let only = |a: &[T], b: &[T]| -> Vec<String> {
                a.iter()
                    .filter(|x| !b.contains(x))
                    .map(|x| format!("{x:?}"))
                    .collect()
            };
            panic!(
                "{what}: rollups only {:?}; scan only {:?}",
                only(&rollups, &scan),
                only(&scan, &rollups)
            );
        }
    }

    fn scopes() -> Vec<Scope> {
        let scope = |tier: Option<&str>, source: Option<&str>| Scope {
            tier: tier.map(Into::into),
            source: source.map(Into::into),
            tags: Vec::new(),
        };
        vec![
            Scope::default(),
            scope(Some("PRO"), None),
            scope(None, Some("patreon")),
            scope(Some("basic"), Some("wechat")),
        ]
    }

    /// What the rollups answer equals what the scans answer, for several todays (a month's
    /// first day, its last, the middle of one, before and after the data).
    /// The rollups answer as the scans do, and the triggers kept them equal to a rebuild from
    /// the base tables. `context` names the case in a failure.
    fn assert_rollups_exact(conn: &mut Connection, context: &str) {
        assert_rollups_match_scans(conn);
        let kept = snapshot(conn);
        let tx = conn.transaction().unwrap();
        rebuild(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(kept, snapshot(conn), "{context}");
    }

    fn assert_rollups_match_scans(conn: &Connection) {
        for today in [
            "2025-06-01",
            "2025-12-31",
            "2026-02-14",
            "2026-11-23",
            "2027-03-01",
        ] {
            let today: NaiveDate = today.parse().unwrap();
            for scope in scopes() {
                for group in [Group::Tier, Group::Status, Group::Source, Group::Tag] {
                    let via = |via| {
                        metrics::members_by_via(conn, group, &scope, (None, None), today, via)
                            .unwrap()
                    };
                    assert_same(
                        via(Via::Rollups),
                        via(Via::Scan),
                        &format!("{group:?} {scope:?} {today}"),
                    );
                }
                let flows = |via| metrics::flows_via(conn, &scope, today, via).unwrap();
                assert_same(
                    flows(Via::Rollups),
                    flows(Via::Scan),
                    &format!("flows {scope:?} {today}"),
                );
                let from = dates::sub_months(YearMonth::of(today).first_day(), 11).unwrap();
                let lost = |via| metrics::churned_mrr_via(conn, &scope, from, today, via).unwrap();
                assert_same(
                    lost(Via::Rollups),
                    lost(Via::Scan),
                    &format!("churn {scope:?} {today}"),
                );
            }
            let (first, last) = (
                crate::revenue::date_month_index(today) - 14,
                crate::revenue::date_month_index(today),
            );
            let steps = |via| {
                let mut s = payments::mrr_steps_via(conn, first, last, via).unwrap();
                s.retain(|(_, d)| *d != 0);
                s
            };
            assert_same(
                steps(Via::Rollups),
                steps(Via::Scan),
                &format!("mrr {today}"),
            );
            for since in ["2024-12-01", "2025-03-17"] {
                let since: NaiveDate = since.parse().unwrap();
                let totals = |via| payments::month_totals_via(conn, since, today, via).unwrap();
                assert_same(
                    totals(Via::Rollups),
                    totals(Via::Scan),
                    &format!("revenue {since} {today}"),
                );
            }
            // The default range of `report revenue --by`: twelve months to today.
            let since = dates::sub_months(YearMonth::of(today).first_day(), 11).unwrap();
            assert_by_dimension_matches_scan(conn, since, today);
        }
        // Ranges that start or end within a month, within one month, across two months.
        for (since, until) in [
            ("2025-03-17", "2026-02-14"),
            ("2025-03-17", "2025-03-20"),
            ("2025-02-01", "2025-02-28"),
            ("2025-01-31", "2025-02-01"),
            ("2024-11-15", "2026-01-01"),
            ("2020-01-01", "2030-12-31"),
        ] {
            assert_by_dimension_matches_scan(conn, since.parse().unwrap(), until.parse().unwrap());
        }
        let courses = |sql: &str| -> Vec<(i64, i64, i64)> {
            conn.prepare(&format!("{sql} ORDER BY c.id"))
                .unwrap()
                .query_map([], courses::from_row)
                .unwrap()
                .map(|c| c.map(|c| (c.id, c.revenue.minor(), c.payments)).unwrap())
                .collect()
        };
        assert_same(
            courses(courses::SELECT),
            courses(courses::SELECT_SCAN),
            "courses",
        );
    }

    /// `report revenue --by` from the rollups equals the scan, reading a month the range cuts
    /// either way (whole less what falls outside, or its days from the ledger).
    fn assert_by_dimension_matches_scan(conn: &Connection, since: NaiveDate, until: NaiveDate) {
        for dimension in [
            Dimension::Kind,
            Dimension::Tier,
            Dimension::Course,
            Dimension::Source,
        ] {
            let scan =
                payments::by_dimension_via(conn, dimension, since, until, Via::Scan).unwrap();
            for part in [PartMonth::Cheaper, PartMonth::Whole, PartMonth::Days] {
                let rollups = by_dimension(conn, dimension, since, until, part)
                    .unwrap()
                    .unwrap_or_else(|| panic!("{dimension:?} {since} {until}: no answer"));
                assert_same(
                    rollups,
                    scan.clone(),
                    &format!("by {dimension:?} {since}..{until} {part:?}"),
                );
            }
        }
    }

    /// The import's fast path drops the member and tag triggers, inserts members and tags,
    /// and adds them with `add_members`: the rollups are what the triggers would have kept,
    /// and the triggers are back for the writes after it.
    #[test]
    fn a_bulk_load_adds_what_the_triggers_would_have() {
        let mut conn = crate::db::memory();
        let mut rng = Rng(7);
        let tx = conn.transaction().unwrap();
        let suspended = crate::db::members::suspend_for_bulk_load(&tx).unwrap();
        assert!(
            suspended
                .iter()
                .any(|sql| sql.starts_with("CREATE TEMP TRIGGER"))
        );
        let mut ids = Vec::new();
        for serial in 0..300 {
            let joined = rng.day(800);
            let expires = (rng.below(4) != 0).then(|| {
                let day: NaiveDate = joined.parse().unwrap();
                (day + chrono::Days::new(rng.below(400))).to_string()
            });
            tx.execute(
                "INSERT INTO members (name, phone, source, tier, status, joined_at, expires_at, \
                 left_at, created_at, updated_at) VALUES ('m', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'x', 'x')",
                params![
                    format!("p{serial}"),
                    (rng.below(4) != 0).then(|| rng.pick(SOURCES)),
                    rng.pick(TIERS),
                    rng.pick(STATUSES),
                    joined,
                    expires,
                    rng.maybe_day(6, 800).filter(|_| rng.below(3) == 0),
                ],
            )
            .unwrap();
            let id = tx.last_insert_rowid();
            for _ in 0..rng.below(3) {
                tx.execute(
                    "INSERT OR IGNORE INTO member_tags (member_id, tag) VALUES (?1, ?2)",
                    params![id, rng.pick(&["rust", "Rust", "go", "读书"])],
                )
                .unwrap();
            }
            ids.push(id);
        }
        add_members(&tx, &ids).unwrap();
        crate::db::members::restore_indexes(&tx, &suspended).unwrap();
        for i in 300..400 {
            let _ = write(&tx, &mut rng, i);
        }
        tx.commit().unwrap();
        assert_rollups_exact(&mut conn, "");
    }

    /// Another program's writes (a plain connection: the file's triggers on, none of
    /// community's) mark the rollups stale, and the next open rebuilds them before anything
    /// reads them; community's own writes mark nothing.
    #[test]
    fn another_programs_writes_are_rebuilt_on_the_next_open() {
        use crate::db::{self, Access};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut rng = Rng(5);
        let stale = |conn: &Connection| -> bool {
            conn.query_row("SELECT stale FROM rollup_state", [], |r| r.get(0))
                .unwrap()
        };
        {
            let mut conn = db::create(&path).unwrap();
            let tx = conn.transaction().unwrap();
            for i in 0..300 {
                let _ = write(&tx, &mut rng, i);
            }
            tx.commit().unwrap();
            assert!(!stale(&conn), "community's own writes mark nothing");
        }
        let kept = {
            let mut other = Connection::open(&path).unwrap();
            other.pragma_update(None, "foreign_keys", true).unwrap();
            let kept = snapshot(&other);
            let tx = other.transaction().unwrap();
            for i in 300..500 {
                let _ = write(&tx, &mut rng, i);
            }
            tx.commit().unwrap();
            assert!(stale(&other));
            assert_eq!(kept, snapshot(&other), "the other program moved no rollup");
            kept
        };
        let reader = db::open(&path, Access::Read, &|_| {}).unwrap();
        assert!(!stale(&reader));
        assert_ne!(kept, snapshot(&reader), "rebuilt");
        assert_rollups_match_scans(&reader);
        drop(reader);
        let mut conn = db::open(&path, Access::Write, &|_| {}).unwrap();
        assert_rollups_exact(&mut conn, "after the rebuild");
    }

    /// A load of payments with the insert trigger suspended leaves the rollups as the trigger
    /// would have, whether the ledger was empty or not, and the trigger is back after it.
    #[test]
    fn a_payment_load_adds_what_the_trigger_would_have() {
        for (seed, before) in [(3, 0), (5, 300)] {
            let mut conn = crate::db::memory();
            let mut rng = Rng(seed);
            let tx = conn.transaction().unwrap();
            for i in 0..before {
                let _ = write(&tx, &mut rng, i);
            }
            // Members and courses new to the ledger, so that an empty one has some.
            for i in 0..40 {
                tx.execute(
                    "INSERT INTO members (name, phone, tier, source, status, joined_at, \
                     created_at, updated_at) VALUES ('m', ?1, ?2, ?3, 'active', '2025-01-01', \
                     'x', 'x')",
                    params![format!("load{i}"), rng.pick(TIERS), rng.pick(SOURCES)],
                )
                .unwrap();
            }
            for i in 0..3 {
                tx.execute(
                    "INSERT INTO courses (slug, title, price, status, created_at, updated_at) \
                     VALUES (?1, 't', 100, 'open', 'x', 'x')",
                    [format!("load{i}")],
                )
                .unwrap();
            }
            let load = start_payment_load(&tx).unwrap();
            for _ in 0..300 {
                let _ = if rng.below(6) == 0 {
                    let payment = one_id(&tx, "payments", &mut rng);
                    add_refund(&tx, &mut rng, payment)
                } else {
                    let member = one_id(&tx, "members", &mut rng);
                    add_payment(&tx, &mut rng, member)
                };
            }
            load.finish(&tx).unwrap();
            for i in 0..50 {
                let _ = write(&tx, &mut rng, 2000 + i);
            }
            tx.commit().unwrap();
            assert_rollups_exact(&mut conn, &format!("seed {seed}"));
        }
    }

    /// With foreign keys off (the sqlite3 shell's default), a member deleted or renumbered
    /// under their payments leaves them naming no member: they count under x'' with their
    /// member, as in the scan, and a member who takes the id back takes them back.
    #[test]
    fn payments_naming_no_member_count_under_none() {
        let mut conn = crate::db::memory();
        let mut rng = Rng(17);
        let tx = conn.transaction().unwrap();
        for i in 0..300 {
            let _ = write(&tx, &mut rng, i);
        }
        tx.commit().unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let with_payments = |conn: &Connection, n: i64| -> Vec<i64> {
            conn.prepare(
                "SELECT DISTINCT member_id FROM payments WHERE member_id IN \
                 (SELECT id FROM members) ORDER BY member_id LIMIT ?1",
            )
            .unwrap()
            .query_map([n], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        let ids = with_payments(&conn, 6);
        assert_eq!(ids.len(), 6);
        let tx = conn.transaction().unwrap();
        tx.execute("DELETE FROM members WHERE id IN (?1, ?2)", [ids[0], ids[1]])
            .unwrap();
        tx.execute("UPDATE members SET id = ?1 WHERE id = ?2", [ids[0], ids[2]])
            .unwrap();
        tx.execute("UPDATE members SET id = 1000000 WHERE id = ?1", [ids[3]])
            .unwrap();
        tx.execute(
            "UPDATE members SET tier = 'Pro', source = NULL WHERE id IN (?1, ?2)",
            [ids[4], ids[5]],
        )
        .unwrap();
        tx.commit().unwrap();
        assert_rollups_exact(&mut conn, "");
    }

    /// Migration 6 fills its rollups from the ledger and members already there (written at
    /// schema 5), and the triggers keep them from there.
    #[test]
    fn migration_6_fills_its_rollups_from_the_data_there() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        let path = std::path::Path::new(":memory:");
        crate::db::migrate_with(&mut conn, path, &crate::db::MIGRATIONS[..5]).unwrap();
        let mut rng = Rng(11);
        let tx = conn.transaction().unwrap();
        for i in 0..400 {
            let _ = write(&tx, &mut rng, i);
        }
        tx.commit().unwrap();
        crate::db::migrate_with(&mut conn, path, crate::db::MIGRATIONS).unwrap();
        crate::db::set_up_for(&mut conn, crate::db::Access::Write, &|_| {}).unwrap();
        let n: i64 = conn
            .query_row("SELECT sum(n) FROM rollup_payers_by", [], |r| r.get(0))
            .unwrap();
        assert!(n > 0, "filled");
        assert_rollups_match_scans(&conn);
        let tx = conn.transaction().unwrap();
        for i in 400..600 {
            let _ = write(&tx, &mut rng, i);
        }
        tx.commit().unwrap();
        assert_rollups_exact(&mut conn, "");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Random writes through the triggers leave rollups that answer as the scans do, and
        /// that a rebuild from the base tables reproduces row for row.
        #[test]
        fn rollups_stay_equal_to_scans_and_to_a_rebuild(seed in any::<u64>()) {
            let mut conn = crate::db::memory();
            let mut rng = Rng(seed);
            for round in 0..3u64 {
                let tx = conn.transaction().unwrap();
                for i in 0..150 {
                    // A write the schema refuses (a refund limit, a foreign key) changes nothing.
                    let _ = write(&tx, &mut rng, round * 1000 + i);
                }
                tx.commit().unwrap();
                assert_rollups_exact(&mut conn, "");
            }
            // The writes reached every rollup, so the comparisons above compared something.
            for table in ["members", "member_tags", "payments", "rollup_payers", "rollup_payers_by"] {
                let n: i64 = conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                    .unwrap();
                prop_assert!(n > 0, "{} is empty", table);
            }
        }
    }

    #[test]
    fn counted_tags_keep_one_of_each_spelling_and_count_the_untagged() {
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let fields = Fields {
            name: "Li".into(),
            email: Some("li@example.com".into()),
            phone: None,
            wechat: None,
            source: None,
            source_id: None,
            tier: "free".into(),
            status: Status::Active,
            joined_at: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            expires_at: None,
            left_at: None,
            note: None,
        };
        let mut counted = NewMembers::default();
        let tags = ["Rust", "go", "rust", "RUST", "Go"].map(String::from);
        counted.add(1, &fields, tags.iter().map(String::as_str));
        counted.add(2, &fields, std::iter::empty());
        counted.write(&tx).unwrap();
        let rows: Vec<(String, i64)> = tx
            .prepare("SELECT tag, n FROM rollup_tags ORDER BY tag COLLATE BINARY")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        // The first spelling of each tag, once; the member without tags under the empty one.
        let expected = [("", 1), ("Rust", 1), ("go", 1)].map(|(t, n)| (t.to_string(), n));
        assert_eq!(rows, expected);
    }
}
