//! Content and its reach snapshots: every SQL statement that touches `content` and
//! `content_stats`, including the content report.
//!
//! Reads take `&Connection`, writes `&Transaction`; rows come back as domain structs. Instants
//! are stored as RFC 3339 UTC text, so they sort and compare as text.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use thiserror::Error;

use crate::content::{Kind, Stats, Status};
use crate::dates;

/// Everything a piece of content is, as stored; what `add`, `edit`, the workflow verbs and
/// imports write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub title: String,
    pub kind: Kind,
    pub status: Status,
    pub topic: Option<String>,
    pub scheduled_for: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
    /// Why review last sent it back to draft.
    pub review_note: Option<String>,
}

/// A stored piece of content with its latest reach snapshot and the slot it fills.
#[derive(Debug, Clone)]
pub struct Content {
    pub id: i64,
    pub fields: Fields,
    /// The newest snapshot and its day.
    pub stats: Option<(NaiveDate, Stats)>,
    /// The plan slot this content is assigned to.
    pub slot_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// A reach snapshot as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub day: NaiveDate,
    pub stats: Stats,
    pub recorded_at: String,
}

/// What `content list` asks for; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub topic: Option<String>,
    pub search: Option<String>,
    /// Published on or after this instant.
    pub published_from: Option<DateTime<Utc>>,
    /// Published before this instant.
    pub published_until: Option<DateTime<Utc>>,
    pub sort: Sort,
    pub descending: bool,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Id,
    Title,
    Kind,
    Status,
    Topic,
    ScheduledFor,
    PublishedAt,
    Views,
}

impl Sort {
    fn column(self) -> &'static str {
        match self {
            Sort::Id => "c.id",
            Sort::Title => "c.title",
            Sort::Kind => "c.kind",
            Sort::Status => "c.status",
            Sort::Topic => "c.topic",
            Sort::ScheduledFor => "c.scheduled_for",
            Sort::PublishedAt => "c.published_at",
            Sort::Views => "s.views",
        }
    }
}

#[derive(Debug, Error)]
#[error("no content {0}\nhint: `community content list` shows the ids")]
pub struct NotFound(pub i64);

/// Another piece of content already has this url.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("url {url:?} already belongs to content {content_id}")]
pub struct UrlTaken {
    pub url: String,
    pub content_id: i64,
}

const SELECT: &str = "SELECT c.id, c.title, c.kind, c.status, c.topic, c.scheduled_for, \
     c.published_at, c.url, c.review_note, c.created_at, c.updated_at, \
     s.day, s.views, s.likes, s.comments, s.shares, \
     (SELECT p.id FROM plan_slots p WHERE p.content_id = c.id) AS slot_id \
     FROM content c \
     LEFT JOIN content_stats s ON s.content_id = c.id \
     AND s.day = (SELECT max(day) FROM content_stats m WHERE m.content_id = c.id)";

pub(crate) fn timestamp(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(index)?;
    text.map(|t| {
        dates::parse_timestamp(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

fn stamp(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(dates::format_timestamp)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Content> {
    let day: Option<NaiveDate> = row.get(11)?;
    let stats = match day {
        Some(day) => Some((
            day,
            Stats {
                views: row.get(12)?,
                likes: row.get(13)?,
                comments: row.get(14)?,
                shares: row.get(15)?,
            },
        )),
        None => None,
    };
    Ok(Content {
        id: row.get(0)?,
        fields: Fields {
            title: row.get(1)?,
            kind: row.get(2)?,
            status: row.get(3)?,
            topic: row.get(4)?,
            scheduled_for: timestamp(row, 5)?,
            published_at: timestamp(row, 6)?,
            url: row.get(7)?,
            review_note: row.get(8)?,
        },
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        stats,
        slot_id: row.get(16)?,
    })
}

/// One piece of content by id.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Content>> {
    conn.prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// One piece of content by id, or an error that says how to find ids.
pub fn load(conn: &Connection, id: i64) -> anyhow::Result<Content> {
    Ok(get(conn, id)?.ok_or(NotFound(id))?)
}

/// The content that has this url, if any.
pub fn find_by_url(conn: &Connection, url: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM content WHERE url = ?1")?
        .query_row([url], |r| r.get(0))
        .optional()
}

/// Ids of content without a url that has this title and kind, oldest first (how imports
/// recognise rows they wrote before).
pub fn find_by_title(conn: &Connection, title: &str, kind: Kind) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT id FROM content WHERE title = ?1 AND kind = ?2 AND url IS NULL ORDER BY id",
    )?
    .query_map(params![title, kind], |r| r.get(0))?
    .collect()
}

/// Fails when another piece of content has the url of `fields`.
pub fn check_url(conn: &Connection, fields: &Fields, exclude: Option<i64>) -> anyhow::Result<()> {
    if let Some(url) = &fields.url
        && let Some(content_id) = find_by_url(conn, url)?.filter(|id| Some(*id) != exclude)
    {
        return Err(UrlTaken {
            url: url.clone(),
            content_id,
        }
        .into());
    }
    Ok(())
}

/// Inserts a piece of content and returns its id.
pub fn insert(tx: &Transaction<'_>, fields: &Fields, now: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO content (title, kind, status, topic, scheduled_for, published_at, url, \
         review_note, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        fields.title,
        fields.kind,
        fields.status,
        fields.topic,
        stamp(fields.scheduled_for),
        stamp(fields.published_at),
        fields.url,
        fields.review_note,
        now,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Overwrites every field and stamps updated_at.
pub fn update(tx: &Transaction<'_>, id: i64, fields: &Fields, now: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE content SET title = ?2, kind = ?3, status = ?4, topic = ?5, scheduled_for = ?6, \
         published_at = ?7, url = ?8, review_note = ?9, updated_at = ?10 WHERE id = ?1",
    )?
    .execute(params![
        id,
        fields.title,
        fields.kind,
        fields.status,
        fields.topic,
        stamp(fields.scheduled_for),
        stamp(fields.published_at),
        fields.url,
        fields.review_note,
        now,
    ])?;
    Ok(())
}

/// Removes a piece of content with its snapshots; a slot it filled becomes open.
pub fn delete(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM content WHERE id = ?1", [id])? > 0)
}

/// Records the snapshot of `day`, replacing one recorded earlier that day. True when it
/// changed anything.
pub fn record_stats(
    tx: &Transaction<'_>,
    id: i64,
    day: NaiveDate,
    stats: &Stats,
    now: &str,
) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached(
            "INSERT INTO content_stats (content_id, day, views, likes, comments, shares, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (content_id, day) DO UPDATE SET views = excluded.views, \
             likes = excluded.likes, comments = excluded.comments, shares = excluded.shares, \
             recorded_at = excluded.recorded_at \
             WHERE (views, likes, comments, shares) IS NOT \
             (excluded.views, excluded.likes, excluded.comments, excluded.shares)",
        )?
        .execute(params![
            id,
            day,
            stats.views,
            stats.likes,
            stats.comments,
            stats.shares,
            now
        ])?;
    Ok(changed > 0)
}

/// Every snapshot of one piece of content, newest first.
pub fn stats_history(conn: &Connection, id: i64) -> rusqlite::Result<Vec<Snapshot>> {
    conn.prepare_cached(
        "SELECT day, views, likes, comments, shares, recorded_at FROM content_stats \
         WHERE content_id = ?1 ORDER BY day DESC",
    )?
    .query_map([id], |r| {
        Ok(Snapshot {
            day: r.get(0)?,
            stats: Stats {
                views: r.get(1)?,
                likes: r.get(2)?,
                comments: r.get(3)?,
                shares: r.get(4)?,
            },
            recorded_at: r.get(5)?,
        })
    })?
    .collect()
}

/// Streams the content a filter selects, in order, to `each`; nothing is collected.
pub fn for_each(
    conn: &Connection,
    filter: &Filter,
    each: impl FnMut(Content) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut query = super::Filtered::new(SELECT);
    if let Some(status) = filter.status {
        query.and("c.status = :status", ":status", status.as_str().to_string());
    }
    if let Some(kind) = filter.kind {
        query.and("c.kind = :kind", ":kind", kind.as_str().to_string());
    }
    if let Some(topic) = &filter.topic {
        query.and("c.topic = :topic", ":topic", topic.clone());
    }
    if let Some(search) = &filter.search {
        query.and(
            "(c.title LIKE :search ESCAPE '\\' OR c.url LIKE :search ESCAPE '\\' \
             OR c.topic LIKE :search ESCAPE '\\')",
            ":search",
            super::like_pattern(search),
        );
    }
    if let Some(t) = filter.published_from {
        query.and(
            "c.published_at >= :published_from",
            ":published_from",
            dates::format_timestamp(t),
        );
    }
    if let Some(t) = filter.published_until {
        query.and(
            "c.published_at < :published_until",
            ":published_until",
            dates::format_timestamp(t),
        );
    }
    let direction = if filter.descending { "DESC" } else { "ASC" };
    // Missing values (no views yet, never published) go last whichever the direction.
    let column = filter.sort.column();
    let order = if filter.sort == Sort::Id {
        format!("c.id {direction}")
    } else {
        format!("{column} IS NULL, {column} {direction}, c.id {direction}")
    };
    query.for_each(conn, &order, filter.limit, from_row, each)
}

/// A published piece of content with its latest reach, as the content report reads it.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub topic: Option<String>,
    pub published_at: DateTime<Utc>,
    pub stats: Stats,
}

/// Streams content that went out (published, or published and since archived) with its
/// latest reach (zeros without a snapshot); published_at in `from..until` when given.
pub fn for_each_published(
    conn: &Connection,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    mut each: impl FnMut(Published) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.title, c.kind, c.topic, c.published_at, \
         coalesce(s.views, 0), coalesce(s.likes, 0), coalesce(s.comments, 0), coalesce(s.shares, 0) \
         FROM content c \
         LEFT JOIN content_stats s ON s.content_id = c.id \
         AND s.day = (SELECT max(day) FROM content_stats m WHERE m.content_id = c.id) \
         WHERE c.status IN ('published', 'archived') AND c.published_at IS NOT NULL \
         AND c.published_at >= coalesce(:from, '') AND c.published_at < coalesce(:until, 'A')",
    )?;
    let mut rows = stmt.query(rusqlite::named_params! {
        ":from": stamp(from),
        ":until": stamp(until),
    })?;
    while let Some(r) = rows.next()? {
        let Some(published_at) = timestamp(r, 4)? else {
            continue;
        };
        each(Published {
            id: r.get(0)?,
            title: r.get(1)?,
            kind: r.get(2)?,
            topic: r.get(3)?,
            published_at,
            stats: Stats {
                views: r.get(5)?,
                likes: r.get(6)?,
                comments: r.get(7)?,
                shares: r.get(8)?,
            },
        })?;
    }
    Ok(())
}

/// How many pieces of content there are.
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM content", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(title: &str, status: Status) -> Fields {
        Fields {
            title: title.into(),
            kind: Kind::Article,
            status,
            topic: Some("编程技术".into()),
            scheduled_for: None,
            published_at: (status == Status::Published).then(|| {
                DateTime::parse_from_rfc3339("2026-11-02T12:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc)
            }),
            url: None,
            review_note: None,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_latest_snapshot_is_the_one_content_shows() {
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let id = insert(&tx, &fields("a", Status::Published), "now").unwrap();
        let stats = |views| Stats {
            views,
            likes: 1,
            comments: 0,
            shares: 0,
        };
        assert!(record_stats(&tx, id, day("2026-11-20"), &stats(100), "now").unwrap());
        assert!(record_stats(&tx, id, day("2026-11-22"), &stats(300), "now").unwrap());
        assert!(record_stats(&tx, id, day("2026-11-21"), &stats(200), "now").unwrap());
        // The same numbers again on the same day change nothing.
        assert!(!record_stats(&tx, id, day("2026-11-21"), &stats(200), "now").unwrap());
        tx.commit().unwrap();
        let content = get(&conn, id).unwrap().unwrap();
        assert_eq!(content.stats, Some((day("2026-11-22"), stats(300))));
        let history: Vec<i64> = stats_history(&conn, id)
            .unwrap()
            .iter()
            .map(|s| s.stats.views)
            .collect();
        assert_eq!(history, [300, 200, 100]);
    }

    #[test]
    fn published_content_streams_with_its_latest_reach_or_zeros() {
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let a = insert(&tx, &fields("a", Status::Published), "now").unwrap();
        insert(&tx, &fields("b", Status::Published), "now").unwrap();
        insert(&tx, &fields("draft", Status::Draft), "now").unwrap();
        let s = Stats {
            views: 10,
            likes: 2,
            comments: 1,
            shares: 0,
        };
        record_stats(&tx, a, day("2026-11-20"), &s, "now").unwrap();
        tx.commit().unwrap();
        let mut seen = Vec::new();
        for_each_published(&conn, None, None, |p| {
            seen.push((p.title, p.stats.views));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [("a".to_string(), 10), ("b".to_string(), 0)]);
        let after = DateTime::parse_from_rfc3339("2026-11-03T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut none = 0;
        for_each_published(&conn, Some(after), None, |_| {
            none += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(none, 0);
    }
}
