//! The content calendar: every SQL statement that touches `plan_slots` and `plan_skips`.
//!
//! Reads take `&Connection`, writes `&Transaction`; rows come back as domain structs. Which
//! slots to add, refresh or delete is decided by the pure `plan::reconcile`; this file only
//! reads what is stored and applies the decision.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use thiserror::Error;

use crate::content::{Kind, Status};
use crate::dates;
use crate::plan::{Reconciliation, SlotKey, Stored};

/// The form of `local_start` in the database: sorts as text, and is the slot key's time.
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// A stored slot with what is assigned to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSlot {
    pub id: i64,
    pub key: SlotKey,
    pub kind: Kind,
    pub topic: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub content: Option<Assigned>,
}

/// The content filling a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub status: Status,
    pub url: Option<String>,
}

/// A day without slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub day: NaiveDate,
    pub reason: Option<String>,
}

#[derive(Debug, Error)]
#[error("no plan slot {0}\nhint: `community plan show` and `community plan gaps` show slot ids")]
pub struct NotFound(pub String);

/// Content can fill one slot only.
#[derive(Debug, Error)]
#[error(
    "content {content_id} already fills slot {slot_id}\nhint: `community plan unassign {slot_id}` first"
)]
pub struct AlreadyAssigned {
    pub content_id: i64,
    pub slot_id: i64,
}

const SELECT: &str = "SELECT p.id, p.rule, p.local_start, p.starts_at, p.ends_at, p.kind, p.topic, \
     c.id, c.title, c.kind, c.status, c.url \
     FROM plan_slots p LEFT JOIN content c ON c.id = p.content_id";

fn local_text(t: NaiveDateTime) -> String {
    t.format(LOCAL_FORMAT).to_string()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<PlanSlot> {
    let local: String = row.get(2)?;
    let local_start = NaiveDateTime::parse_from_str(&local, LOCAL_FORMAT).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
    })?;
    let required = |index| {
        super::content::timestamp(row, index)?.ok_or(rusqlite::Error::InvalidColumnType(
            index,
            "starts_at".into(),
            rusqlite::types::Type::Null,
        ))
    };
    let content_id: Option<i64> = row.get(7)?;
    Ok(PlanSlot {
        id: row.get(0)?,
        key: SlotKey {
            rule: row.get(1)?,
            local_start,
        },
        starts_at: required(3)?,
        ends_at: required(4)?,
        kind: row.get(5)?,
        topic: row.get(6)?,
        content: match content_id {
            Some(id) => Some(Assigned {
                id,
                title: row.get(8)?,
                kind: row.get(9)?,
                status: row.get(10)?,
                url: row.get(11)?,
            }),
            None => None,
        },
    })
}

/// The bounds of local dates `from..=until` as `local_start` text.
fn local_bounds(from: NaiveDate, until: NaiveDate) -> (String, String) {
    (from.to_string(), format!("{until}T99"))
}

/// Slots whose local date is within `from..=until`, in time order; only open ones when
/// `open_only`.
pub fn in_range(
    conn: &Connection,
    from: NaiveDate,
    until: NaiveDate,
    open_only: bool,
) -> rusqlite::Result<Vec<PlanSlot>> {
    let (lo, hi) = local_bounds(from, until);
    let sql = format!(
        "{SELECT} WHERE p.local_start >= ?1 AND p.local_start < ?2 {} \
         ORDER BY p.starts_at, p.rule",
        if open_only {
            "AND p.content_id IS NULL"
        } else {
            ""
        }
    );
    conn.prepare_cached(&sql)?
        .query_map(params![lo, hi], from_row)?
        .collect()
}

/// One slot by id.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<PlanSlot>> {
    conn.prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// The id of the slot with this key.
pub fn find(conn: &Connection, key: &SlotKey) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM plan_slots WHERE rule = ?1 AND local_start = ?2")?
        .query_row(params![key.rule, local_text(key.local_start)], |r| r.get(0))
        .optional()
}

/// The slot a piece of content fills, if any.
pub fn slot_of(conn: &Connection, content_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM plan_slots WHERE content_id = ?1")?
        .query_row([content_id], |r| r.get(0))
        .optional()
}

/// Stored slots of `from..=until` as reconciliation compares them.
pub fn stored(
    conn: &Connection,
    from: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<Stored>> {
    Ok(in_range(conn, from, until, false)?
        .into_iter()
        .map(|s| Stored {
            id: s.id,
            key: s.key,
            kind: s.kind,
            topic: s.topic,
            start: s.starts_at,
            end: s.ends_at,
            content: s.content.map(|c| c.id),
        })
        .collect())
}

/// Applies a reconciliation; returns the ids of the inserted slots, in its order.
pub fn apply(
    tx: &Transaction<'_>,
    changes: &Reconciliation,
    now: &str,
) -> rusqlite::Result<Vec<i64>> {
    let mut delete =
        tx.prepare_cached("DELETE FROM plan_slots WHERE id = ?1 AND content_id IS NULL")?;
    for id in &changes.delete {
        delete.execute([id])?;
    }
    let mut update = tx.prepare_cached(
        "UPDATE plan_slots SET kind = ?2, topic = ?3, starts_at = ?4, ends_at = ?5 WHERE id = ?1",
    )?;
    for (id, slot) in &changes.update {
        update.execute(params![
            id,
            slot.kind,
            slot.topic,
            dates::format_timestamp(slot.start),
            dates::format_timestamp(slot.end),
        ])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO plan_slots (rule, local_start, starts_at, ends_at, kind, topic, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut ids = Vec::with_capacity(changes.insert.len());
    for slot in &changes.insert {
        insert.execute(params![
            slot.rule,
            local_text(slot.local_start),
            dates::format_timestamp(slot.start),
            dates::format_timestamp(slot.end),
            slot.kind,
            slot.topic,
            now,
        ])?;
        ids.push(tx.last_insert_rowid());
    }
    Ok(ids)
}

/// Puts content in a slot (replacing what was there); fails if the content fills another.
pub fn assign(tx: &Transaction<'_>, slot_id: i64, content_id: i64) -> anyhow::Result<()> {
    if let Some(other) = slot_of(tx, content_id)?.filter(|s| *s != slot_id) {
        return Err(AlreadyAssigned {
            content_id,
            slot_id: other,
        }
        .into());
    }
    tx.prepare_cached("UPDATE plan_slots SET content_id = ?2 WHERE id = ?1")?
        .execute(params![slot_id, content_id])?;
    Ok(())
}

/// Empties a slot; returns the content that was in it.
pub fn unassign(tx: &Transaction<'_>, slot_id: i64) -> rusqlite::Result<Option<i64>> {
    let was: Option<i64> = tx
        .prepare_cached("SELECT content_id FROM plan_slots WHERE id = ?1")?
        .query_row([slot_id], |r| r.get(0))
        .optional()?
        .flatten();
    tx.prepare_cached("UPDATE plan_slots SET content_id = NULL WHERE id = ?1")?
        .execute([slot_id])?;
    Ok(was)
}

/// Records a skipped day (or changes its reason); true when it is new.
pub fn add_skip(
    tx: &Transaction<'_>,
    day: NaiveDate,
    reason: Option<&str>,
    now: &str,
) -> rusqlite::Result<bool> {
    let existed = tx
        .prepare_cached("SELECT 1 FROM plan_skips WHERE day = ?1")?
        .exists([day])?;
    tx.prepare_cached(
        "INSERT INTO plan_skips (day, reason, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (day) DO UPDATE SET reason = excluded.reason",
    )?
    .execute(params![day, reason, now])?;
    Ok(!existed)
}

/// Forgets a skipped day; true when it was skipped.
pub fn remove_skip(tx: &Transaction<'_>, day: NaiveDate) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM plan_skips WHERE day = ?1", [day])? > 0)
}

/// Skipped days within `from..=until` (every one when both are `None`), in order.
pub fn skips(
    conn: &Connection,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> rusqlite::Result<Vec<Skip>> {
    conn.prepare_cached(
        "SELECT day, reason FROM plan_skips WHERE (?1 IS NULL OR day >= ?1) \
         AND (?2 IS NULL OR day <= ?2) ORDER BY day",
    )?
    .query_map(params![from, until], |r| {
        Ok(Skip {
            day: r.get(0)?,
            reason: r.get(1)?,
        })
    })?
    .collect()
}

/// Skipped days within `from..=until`, as generation takes them.
pub fn skipped_days(
    conn: &Connection,
    from: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<BTreeSet<NaiveDate>> {
    Ok(skips(conn, Some(from), Some(until))?
        .into_iter()
        .map(|s| s.day)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{self, PlanConfig, RuleConfig};

    const SH: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rule(name: &str, on: &[&str]) -> RuleConfig {
        RuleConfig {
            name: name.into(),
            every: "week".into(),
            on: on.iter().map(|s| s.to_string()).collect(),
            at: "20:00".into(),
            duration: None,
            kind: "article".into(),
            topics: Some(vec!["编程技术".into(), "职业发展".into()]),
            topic: None,
            month: None,
            start: None,
        }
    }

    /// What `plan generate` does: generate, reconcile against the store, apply.
    fn sync(
        conn: &mut Connection,
        rules: Vec<RuleConfig>,
        from: &str,
        until: &str,
        today: &str,
    ) -> Reconciliation {
        let plan = PlanConfig { weeks: 8, rules }.validate().unwrap();
        let (from, until) = (d(from), d(until));
        let tx = conn.transaction().unwrap();
        let skipped = skipped_days(&tx, from, until).unwrap();
        let slots = plan.generate(from, until, &skipped, SH, &[]).unwrap();
        let changes = plan::reconcile(&stored(&tx, from, until).unwrap(), slots, d(today));
        apply(&tx, &changes, "now").unwrap();
        tx.commit().unwrap();
        changes
    }

    fn dates(conn: &Connection) -> Vec<String> {
        in_range(conn, d("2000-01-01"), d("2100-01-01"), false)
            .unwrap()
            .iter()
            .map(|s| s.key.to_string())
            .collect()
    }

    fn content(tx: &Transaction<'_>) -> i64 {
        tx.execute(
            "INSERT INTO content (title, kind, status, created_at, updated_at) \
             VALUES ('t', 'article', 'draft', 'now', 'now')",
            [],
        )
        .unwrap();
        tx.last_insert_rowid()
    }

    #[test]
    fn generating_twice_creates_nothing_new() {
        let mut conn = crate::db::memory();
        let first = sync(
            &mut conn,
            vec![rule("a", &["tue", "thu"])],
            "2026-12-01",
            "2026-12-31",
            "2026-11-23",
        );
        assert_eq!(first.insert.len(), 10);
        let again = sync(
            &mut conn,
            vec![rule("a", &["tue", "thu"])],
            "2026-12-01",
            "2026-12-31",
            "2026-11-23",
        );
        assert!(again.is_empty(), "{again:?}");
        // An overlapping range adds only what is new; topics do not depend on the range.
        let later = sync(
            &mut conn,
            vec![rule("a", &["tue", "thu"])],
            "2026-12-15",
            "2027-01-07",
            "2026-11-23",
        );
        assert_eq!(later.insert.len(), 2);
        assert!(later.update.is_empty());
        assert_eq!(dates(&conn).len(), 12);
    }

    #[test]
    fn changed_rules_move_open_future_slots_and_keep_assigned_ones() {
        let mut conn = crate::db::memory();
        sync(
            &mut conn,
            vec![rule("a", &["tue"])],
            "2026-12-01",
            "2026-12-31",
            "2026-12-01",
        );
        let tx = conn.transaction().unwrap();
        let id = content(&tx);
        let assigned = find(&tx, &"a@2026-12-15T20:00".parse().unwrap())
            .unwrap()
            .unwrap();
        assign(&tx, assigned, id).unwrap();
        tx.commit().unwrap();
        // Tuesdays become Wednesdays, seen from the 10th: the 1st and 8th are history.
        let changes = sync(
            &mut conn,
            vec![rule("a", &["wed"])],
            "2026-12-01",
            "2026-12-31",
            "2026-12-10",
        );
        assert_eq!(changes.misfits, [assigned]);
        assert_eq!(changes.delete.len(), 2); // the 22nd and 29th
        assert_eq!(changes.insert.len(), 3); // the 16th, 23rd and 30th
        assert_eq!(
            dates(&conn),
            [
                "a@2026-12-01T20:00",
                "a@2026-12-08T20:00",
                "a@2026-12-15T20:00",
                "a@2026-12-16T20:00",
                "a@2026-12-23T20:00",
                "a@2026-12-30T20:00",
            ]
        );
        // And that is stable: the misfit is reported again, nothing else changes.
        let again = sync(
            &mut conn,
            vec![rule("a", &["wed"])],
            "2026-12-01",
            "2026-12-31",
            "2026-12-10",
        );
        assert_eq!(again.misfits, [assigned]);
        assert!(again.insert.is_empty() && again.delete.is_empty() && again.update.is_empty());
    }

    #[test]
    fn a_changed_time_or_duration_refreshes_or_replaces_slots() {
        let mut conn = crate::db::memory();
        sync(
            &mut conn,
            vec![rule("a", &["tue"])],
            "2026-12-01",
            "2026-12-08",
            "2026-11-23",
        );
        let mut longer = rule("a", &["tue"]);
        longer.duration = Some("2h".into());
        let changes = sync(
            &mut conn,
            vec![longer],
            "2026-12-01",
            "2026-12-08",
            "2026-11-23",
        );
        assert_eq!(changes.update.len(), 2);
        assert!(changes.insert.is_empty() && changes.delete.is_empty());
        let mut later = rule("a", &["tue"]);
        later.at = "21:00".into();
        let changes = sync(
            &mut conn,
            vec![later],
            "2026-12-01",
            "2026-12-08",
            "2026-11-23",
        );
        assert_eq!((changes.insert.len(), changes.delete.len()), (2, 2));
    }

    #[test]
    fn skipped_days_get_no_slot_and_lose_open_ones() {
        let mut conn = crate::db::memory();
        sync(
            &mut conn,
            vec![rule("a", &["fri"])],
            "2026-12-01",
            "2026-12-31",
            "2026-11-23",
        );
        let tx = conn.transaction().unwrap();
        assert!(add_skip(&tx, d("2026-12-25"), Some("圣诞"), "now").unwrap());
        assert!(!add_skip(&tx, d("2026-12-25"), Some("Christmas"), "now").unwrap());
        tx.commit().unwrap();
        let changes = sync(
            &mut conn,
            vec![rule("a", &["fri"])],
            "2026-12-01",
            "2026-12-31",
            "2026-11-23",
        );
        assert_eq!(changes.delete.len(), 1);
        assert!(!dates(&conn).contains(&"a@2026-12-25T20:00".to_string()));
        assert_eq!(
            skips(&conn, None, None).unwrap(),
            [Skip {
                day: d("2026-12-25"),
                reason: Some("Christmas".into())
            }]
        );
        let tx = conn.transaction().unwrap();
        assert!(remove_skip(&tx, d("2026-12-25")).unwrap());
        tx.commit().unwrap();
        let back = sync(
            &mut conn,
            vec![rule("a", &["fri"])],
            "2026-12-01",
            "2026-12-31",
            "2026-11-23",
        );
        assert_eq!(back.insert.len(), 1);
    }

    #[test]
    fn content_fills_one_slot_and_removing_it_opens_the_slot() {
        let mut conn = crate::db::memory();
        sync(
            &mut conn,
            vec![rule("a", &["tue"])],
            "2026-12-01",
            "2026-12-08",
            "2026-11-23",
        );
        let tx = conn.transaction().unwrap();
        let id = content(&tx);
        let (first, second) = (1, 2);
        assign(&tx, first, id).unwrap();
        let err = assign(&tx, second, id).unwrap_err().to_string();
        assert!(err.contains("already fills slot 1"), "{err}");
        assert_eq!(slot_of(&tx, id).unwrap(), Some(first));
        tx.execute("DELETE FROM content WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(get(&tx, first).unwrap().unwrap().content, None);
        assert_eq!(unassign(&tx, first).unwrap(), None);
    }
}
