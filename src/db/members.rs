//! Members, their tags and their points ledger: every SQL statement that touches them.
//!
//! Reads take `&Connection`, writes `&Transaction`; rows come back as domain structs. The
//! `expired` status is derived here, at query time, from expires_at and the caller's today.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, Statement, Transaction, params};
use thiserror::Error;

use crate::member::{MemberRef, Status};

/// Everything a member is, as stored; what `add`, `edit` and imports write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub wechat: Option<String>,
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub tier: String,
    pub status: Status,
    pub joined_at: NaiveDate,
    pub expires_at: Option<NaiveDate>,
    pub left_at: Option<NaiveDate>,
    pub note: Option<String>,
}

/// A stored member as read at a given today.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub fields: Fields,
    /// The status as of today: a lapsed member reads `expired` whatever is stored.
    pub status: Status,
    pub tags: Vec<String>,
    pub points: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One entry of the points ledger.
#[derive(Debug, Clone)]
pub struct PointsEntry {
    pub id: i64,
    pub delta: i64,
    pub reason: String,
    pub created_at: String,
}

/// What `member list` asks for; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tier: Option<String>,
    pub status: Option<Status>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub search: Option<String>,
    pub joined_after: Option<NaiveDate>,
    pub joined_before: Option<NaiveDate>,
    /// Members with access whose expires_at falls between today and this date.
    pub expiring_by: Option<NaiveDate>,
    pub sort: Sort,
    pub descending: bool,
    pub limit: Option<u64>,
}

impl Filter {
    /// Whether this selects every member, by id (a whole export).
    fn is_everyone_by_id(&self) -> bool {
        let Filter {
            tier,
            status,
            tags,
            source,
            search,
            joined_after,
            joined_before,
            expiring_by,
            sort,
            descending,
            limit,
        } = self;
        tier.is_none()
            && status.is_none()
            && tags.is_empty()
            && source.is_none()
            && search.is_none()
            && joined_after.is_none()
            && joined_before.is_none()
            && expiring_by.is_none()
            && *sort == Sort::Id
            && !descending
            && limit.is_none()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Id,
    Name,
    Email,
    Tier,
    Status,
    JoinedAt,
    ExpiresAt,
    Points,
}

impl Sort {
    fn column(self) -> &'static str {
        match self {
            Sort::Id => "m.id",
            Sort::Name => "m.name",
            Sort::Email => "m.email",
            Sort::Tier => "m.tier",
            Sort::Status => "status_now",
            Sort::JoinedAt => "m.joined_at",
            Sort::ExpiresAt => "m.expires_at",
            Sort::Points => "points",
        }
    }
}

#[derive(Debug, Error)]
pub enum LookupError {
    #[error(
        "no member {}\nhint: name a member by id, email, phone or WeChat ID; `community member list --search TEXT` finds one", crate::sanitize::quoted(.0)
    )]
    NotFound(String),
    #[error("{} matches several members ({}); say which with id:N, phone:X or wechat:X", crate::sanitize::quoted(.value), ids.iter().map(|id| format!("id:{id}")).collect::<Vec<_>>().join(", "))]
    Ambiguous { value: String, ids: Vec<i64> },
}

/// An identifier that already belongs to another member.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{field} {} already belongs to member {member_id}", crate::sanitize::quoted(.value))]
pub struct Conflict {
    pub field: &'static str,
    pub value: String,
    pub member_id: i64,
}

#[derive(Debug, Error)]
#[error("points balance would drop below zero: it is {balance}, and {delta} was asked")]
pub struct Overdrawn {
    pub balance: i64,
    pub delta: i64,
}

/// The stored status with expiry applied; `:today` is bound by every query that uses it. The
/// statuses with access are those but `paused` and `expired` (the table's CHECK): spelt as an
/// `IN` list, SQLite builds a temporary table of the list each time the statement runs, which
/// was a fifth of the cost of looking one member up.
pub(super) const STATUS_NOW: &str = "CASE WHEN m.status <> 'paused' AND m.status <> 'expired' \
     AND m.expires_at < :today THEN 'expired' ELSE m.status END";

/// A member whole. The tags come in tag order from the primary key (member_id, tag): a
/// subquery in that order feeds `group_concat` as it reads (SQLite keeps a subquery's ORDER BY
/// under an aggregate), where `group_concat(.. ORDER BY tag)` would sort each member's tags
/// anew, a good part of the cost of a lookup.
fn select_sql() -> String {
    format!(
        "SELECT m.id, m.name, m.email, m.phone, m.wechat, m.source, m.source_id, m.tier, m.status, \
         m.joined_at, m.expires_at, m.left_at, m.note, m.created_at, m.updated_at, \
         {STATUS_NOW} AS status_now, \
         (SELECT group_concat(tag, ';') FROM \
           (SELECT tag FROM member_tags t WHERE t.member_id = m.id ORDER BY tag)) AS tags, \
         coalesce((SELECT sum(delta) FROM points_ledger p WHERE p.member_id = m.id), 0) AS points \
         FROM members m"
    )
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Member> {
    let mut member = Member::blank();
    fill_whole(row, &mut member)?;
    Ok(member)
}

impl Member {
    /// A member with nothing in it, for [`fill`] (and [`for_each_reusing`]'s `spare`).
    pub fn blank() -> Member {
        Member {
            id: 0,
            fields: Fields {
                name: String::new(),
                email: None,
                phone: None,
                wechat: None,
                source: None,
                source_id: None,
                tier: String::new(),
                status: Status::Active,
                joined_at: NaiveDate::MIN,
                expires_at: None,
                left_at: None,
                note: None,
            },
            status: Status::Active,
            tags: Vec::new(),
            points: 0,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

/// Reads a row of [`select_sql`] into `member`, reusing its strings: an export reads a
/// million members into the same few thousand (see [`for_each_reusing`]).
fn fill_whole(row: &Row<'_>, member: &mut Member) -> rusqlite::Result<()> {
    fill(row, member)?;
    let tags = row
        .get_ref(16)?
        .as_str_or_null()
        .map_err(|e| text_error(16, e))?;
    let mut tags = tags.into_iter().flat_map(|tags| tags.split(';'));
    let mut n = 0;
    for (slot, tag) in member.tags.iter_mut().zip(&mut tags) {
        slot.clear();
        slot.push_str(tag);
        n += 1;
    }
    member.tags.truncate(n);
    member.tags.extend(tags.map(str::to_string));
    member.points = row.get(17)?;
    Ok(())
}

/// Reads the member's own columns of a row of [`select_sql`] (all but tags and points) into
/// `member`, reusing its strings.
fn fill(row: &Row<'_>, member: &mut Member) -> rusqlite::Result<()> {
    member.id = row.get(0)?;
    let f = &mut member.fields;
    set_text(row, 1, &mut f.name)?;
    set_optional_text(row, 2, &mut f.email)?;
    set_optional_text(row, 3, &mut f.phone)?;
    set_optional_text(row, 4, &mut f.wechat)?;
    set_optional_text(row, 5, &mut f.source)?;
    set_optional_text(row, 6, &mut f.source_id)?;
    set_text(row, 7, &mut f.tier)?;
    f.status = row.get(8)?;
    f.joined_at = super::day(row, 9)?.ok_or(rusqlite::Error::InvalidColumnType(
        9,
        "joined_at".into(),
        rusqlite::types::Type::Null,
    ))?;
    f.expires_at = super::day(row, 10)?;
    f.left_at = super::day(row, 11)?;
    set_optional_text(row, 12, &mut f.note)?;
    set_text(row, 13, &mut member.created_at)?;
    set_text(row, 14, &mut member.updated_at)?;
    member.status = row.get(15)?;
    Ok(())
}

/// Column `index` (text) into `target`, in the space it already has.
fn set_text(row: &Row<'_>, index: usize, target: &mut String) -> rusqlite::Result<()> {
    let text = row
        .get_ref(index)?
        .as_str()
        .map_err(|e| text_error(index, e))?;
    target.clear();
    target.push_str(text);
    Ok(())
}

/// Column `index` (text or NULL) into `target`, in the space it already has.
fn set_optional_text(
    row: &Row<'_>,
    index: usize,
    target: &mut Option<String>,
) -> rusqlite::Result<()> {
    match row
        .get_ref(index)?
        .as_str_or_null()
        .map_err(|e| text_error(index, e))?
    {
        None => *target = None,
        Some(text) => match target {
            Some(held) => {
                held.clear();
                held.push_str(text);
            }
            None => *target = Some(text.to_string()),
        },
    }
    Ok(())
}

fn text_error(index: usize, error: rusqlite::types::FromSqlError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error))
}

/// One member by id, read at `today`.
pub fn get(conn: &Connection, id: i64, today: NaiveDate) -> rusqlite::Result<Option<Member>> {
    let sql = format!("{} WHERE m.id = :id", select_sql());
    conn.prepare_cached(&sql)?
        .query_row(
            rusqlite::named_params! {":id": id, ":today": super::day_text(today)},
            from_row,
        )
        .optional()
}

/// Finds the one member a command line names.
pub fn resolve(conn: &Connection, reference: &MemberRef) -> anyhow::Result<i64> {
    let one = |sql: &str, value: &str| -> rusqlite::Result<Option<i64>> {
        conn.prepare_cached(sql)?
            .query_row([value], |r| r.get(0))
            .optional()
    };
    let found = match reference {
        MemberRef::Id(id) => conn
            .prepare_cached("SELECT id FROM members WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
        MemberRef::Email(email) => one("SELECT id FROM members WHERE email = ?1", email)?,
        MemberRef::Phone(phone) => one("SELECT id FROM members WHERE phone = ?1", phone)?,
        MemberRef::Wechat(wechat) => one("SELECT id FROM members WHERE wechat = ?1", wechat)?,
        MemberRef::Any(value) => {
            // A bare value may be an id, a phone, a WeChat ID or a platform id; if it names
            // different members in different ways, refuse to guess.
            let id = value.parse::<i64>().ok();
            let phone = crate::member::phone(value).ok();
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM members WHERE id = ?1 UNION SELECT id FROM members WHERE phone = ?2 \
                 UNION SELECT id FROM members WHERE wechat = ?3 \
                 UNION SELECT id FROM members WHERE source_id = ?3 ORDER BY 1",
            )?;
            let ids = stmt
                .query_map(params![id, phone, value], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            match ids.as_slice() {
                [] => None,
                [id] => Some(*id),
                _ => {
                    return Err(LookupError::Ambiguous {
                        value: value.clone(),
                        ids,
                    }
                    .into());
                }
            }
        }
    };
    found.ok_or_else(|| LookupError::NotFound(reference.to_string()).into())
}

/// One way an import row can name an existing member, in the order they are tried.
#[derive(Debug, Clone, Copy)]
pub enum Identity<'a> {
    Email(&'a str),
    Source(&'a str, &'a str),
    Phone(&'a str),
    Wechat(&'a str),
}

/// The member an identity names, read whole at `today`, in one query.
pub fn find_by(
    conn: &Connection,
    identity: Identity<'_>,
    today: NaiveDate,
) -> rusqlite::Result<Option<Member>> {
    let (sql, a, b) = match identity {
        Identity::Email(v) => (&*BY_EMAIL, v, None),
        Identity::Source(s, id) => (&*BY_SOURCE, s, Some(id)),
        Identity::Phone(v) => (&*BY_PHONE, v, None),
        Identity::Wechat(v) => (&*BY_WECHAT, v, None),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let today = super::day_text(today);
    match b {
        Some(b) => stmt.query_row(
            rusqlite::named_params! {":a": a, ":b": b, ":today": today},
            from_row,
        ),
        None => stmt.query_row(rusqlite::named_params! {":a": a, ":today": today}, from_row),
    }
    .optional()
}

static BY_EMAIL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{} WHERE m.email = :a", select_sql()));
static BY_SOURCE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("{} WHERE m.source = :a AND m.source_id = :b", select_sql())
});
static BY_PHONE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{} WHERE m.phone = :a", select_sql()));
static BY_WECHAT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{} WHERE m.wechat = :a", select_sql()));

/// Prepares a transaction for a bulk write: foreign keys are checked once at commit rather
/// than by every statement, which spares SQLite a statement journal per row.
pub fn begin_bulk(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.pragma_update(None, "defer_foreign_keys", true)
}

/// Before loading many rows into an empty members table: drops the indexes that matching
/// does not need (the non-unique ones) and returns the SQL that rebuilds them. Building an
/// index once from sorted data is far cheaper than growing it row by row. The drop is part of
/// the transaction, so a rollback restores them.
pub fn suspend_secondary_indexes(tx: &Transaction<'_>) -> rusqlite::Result<Vec<String>> {
    suspend(tx, "type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%'")
}

/// The rollup triggers of members and member_tags (`rollups_triggers.sql`, this connection's
/// TEMP triggers), in sqlite_schema's terms.
const ROLLUP_TRIGGERS: &str = "(type = 'trigger' AND name LIKE 'rollup\\_%' ESCAPE '\\')";

/// Drops the indexes (of the file) and triggers (this connection's, TEMP) of members and
/// member_tags that `condition` (on sqlite_schema; `{ROLLUP_TRIGGERS}` stands for those)
/// selects and returns the SQL that creates them again, in creation order. Indexes SQLite made
/// for a constraint (no SQL) are never selected.
fn suspend(tx: &Transaction<'_>, condition: &str) -> rusqlite::Result<Vec<String>> {
    let condition = condition.replace("{ROLLUP_TRIGGERS}", ROLLUP_TRIGGERS);
    let mut stmt = tx.prepare(&format!(
        "SELECT schema, type, name, sql FROM ( \
             SELECT 'main' AS schema, 0 AS part, rowid AS n, * FROM sqlite_schema \
             UNION ALL SELECT 'temp', 1, rowid, * FROM sqlite_temp_schema) \
         WHERE sql IS NOT NULL AND tbl_name IN ('members', 'member_tags') AND ({condition}) \
         ORDER BY part, n"
    ))?;
    let dropped = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut restore = Vec::with_capacity(dropped.len());
    for (schema, kind, name, sql) in dropped {
        let kind = if kind == "trigger" {
            "TRIGGER"
        } else {
            "INDEX"
        };
        tx.execute_batch(&format!(
            "DROP {kind} {schema}.\"{}\"",
            name.replace('"', "\"\"")
        ))?;
        restore.push(if schema == "temp" {
            super::temp_sql(&sql)
        } else {
            sql
        });
    }
    Ok(restore)
}

/// Before a bulk load into an empty members table (import/bulk.rs): drops every index of
/// members and member_tags left, unique ones too, and the rollup triggers of members and
/// tags, and returns the SQL that rebuilds them. Until `restore_indexes`, the caller answers
/// for uniqueness (the unique indexes fail loudly if it did not) and for the rollups
/// (`rollups::NewMembers`). The drop is part of the transaction, so a rollback restores them.
pub fn suspend_for_bulk_load(tx: &Transaction<'_>) -> rusqlite::Result<Vec<String>> {
    suspend(tx, "type = 'index' OR {ROLLUP_TRIGGERS}")
}

/// Helper threads SQLite may sort with while it builds indexes after a bulk load
/// (`PRAGMA threads`). At the end of a file the import's reading thread is done and the other
/// core free; when a row leaves the fast path mid-file, the sorts share it with the reader.
const SORT_THREADS: i64 = 2;

/// Page cache while indexes are built after a bulk load. SQLite's sorter cuts the keys it sorts
/// into runs as large as the page cache, sorts each run in memory (on a helper thread, with
/// `SORT_THREADS`) and merges them; a build itself needs few pages, since it reads the table in
/// order and appends to the index. Runs of a mebibyte sort within a core's L2 cache: a
/// million-member first import built its indexes in 2.5 s instead of 3.1 s with 6 MiB runs,
/// 0.92 of the time in all (median of 7 pairs; 512 KiB was 3 % slower, 2 MiB the same).
const SORT_CACHE_KIB: i64 = 1024;

/// Rebuilds what `suspend_secondary_indexes` or `suspend_for_bulk_load` dropped, sorting as
/// `SORT_CACHE_KIB` says, and leaves the connection's page cache at its default.
pub fn restore_indexes(tx: &Transaction<'_>, sqls: &[String]) -> rusqlite::Result<()> {
    super::set_cache(tx, Some(SORT_CACHE_KIB))?;
    tx.pragma_update(None, "threads", SORT_THREADS)?;
    let built = sqls.iter().try_for_each(|sql| tx.execute_batch(sql));
    tx.pragma_update(None, "threads", 0)?;
    super::set_cache(tx, None)?;
    built
}

/// A member as a bulk load writes it: the caller chose the id.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub id: i64,
    pub fields: Fields,
    /// `None`: the load's own stamp.
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// Rows per statement of `insert_many`: 64 x 15 values, well under SQLite's 32,766.
pub const MANY: usize = 64;

/// Inserts members many to a statement (one statement run costs about what one row does),
/// for the import's fast path. Plain INSERT: the caller knows no id or identifier is taken,
/// and a constraint failure aborts. `stamp` fills the stamps a row lacks; `created_at` is
/// also the default `updated_at`.
///
/// The whole statements of a call share one prepared statement: a cache lookup hashes and
/// compares the statement's text (three kilobytes), and handing it back clears its bindings;
/// done for every 64 rows, that was 7 % of the writing thread's instructions (callgrind).
/// Callers pass many statements' worth at a time (`BULK_ROWS`).
pub fn insert_many(tx: &Transaction<'_>, rows: &[NewMember], stamp: &str) -> rusqlite::Result<()> {
    const COLUMNS: usize = 15;
    let head = "INSERT INTO members (id, name, email, phone, wechat, source, source_id, tier, \
                status, joined_at, expires_at, left_at, note, created_at, updated_at) VALUES ";
    let bind = |stmt: &mut Statement<'_>, chunk: &[NewMember]| -> rusqlite::Result<()> {
        for (i, row) in chunk.iter().enumerate() {
            let f = &row.fields;
            let created = row.created_at.as_deref().unwrap_or(stamp);
            let at = i * COLUMNS;
            stmt.raw_bind_parameter(at + 1, row.id)?;
            stmt.raw_bind_parameter(at + 2, &f.name)?;
            stmt.raw_bind_parameter(at + 3, &f.email)?;
            stmt.raw_bind_parameter(at + 4, &f.phone)?;
            stmt.raw_bind_parameter(at + 5, &f.wechat)?;
            stmt.raw_bind_parameter(at + 6, &f.source)?;
            stmt.raw_bind_parameter(at + 7, &f.source_id)?;
            stmt.raw_bind_parameter(at + 8, &f.tier)?;
            stmt.raw_bind_parameter(at + 9, f.status)?;
            // Not rusqlite's chrono ToSql, which parses a format string per value.
            stmt.raw_bind_parameter(at + 10, super::day_text(f.joined_at))?;
            stmt.raw_bind_parameter(at + 11, f.expires_at.map(super::day_text))?;
            stmt.raw_bind_parameter(at + 12, f.left_at.map(super::day_text))?;
            stmt.raw_bind_parameter(at + 13, &f.note)?;
            stmt.raw_bind_parameter(at + 14, created)?;
            stmt.raw_bind_parameter(at + 15, row.updated_at.as_deref().unwrap_or(created))?;
        }
        Ok(())
    };
    insert_chunked(tx, head, COLUMNS, rows, MANY, bind)
}

/// Rows the import's fast path holds before writing them (`insert_many`): sixteen statements.
pub const BULK_ROWS: usize = 16 * MANY;

/// Tags per statement of `insert_tags_many`.
pub const TAGS_MANY: usize = 4 * MANY;

/// Inserts (member id, tag) pairs many to a statement; a tag a member already has is ignored.
/// Whole statements share one prepared statement, as in `insert_many`; the rest (fewer than
/// `TAGS_MANY`) takes one of its own size, so callers write whole statements where they can.
pub fn insert_tags_many(tx: &Transaction<'_>, tags: &[(i64, String)]) -> rusqlite::Result<()> {
    let head = "INSERT OR IGNORE INTO member_tags (member_id, tag) VALUES ";
    let bind = |stmt: &mut Statement<'_>, chunk: &[(i64, String)]| -> rusqlite::Result<()> {
        for (i, (id, tag)) in chunk.iter().enumerate() {
            stmt.raw_bind_parameter(2 * i + 1, id)?;
            stmt.raw_bind_parameter(2 * i + 2, tag)?;
        }
        Ok(())
    };
    insert_chunked(tx, head, 2, tags, TAGS_MANY, bind)
}

/// Inserts `rows` in chunks of `per_statement`, each a run of a statement of `head` followed
/// by as many groups of `columns` placeholders, which `bind` fills from the chunk: one
/// statement prepared for all the whole chunks, and one for the rest.
fn insert_chunked<T>(
    tx: &Transaction<'_>,
    head: &str,
    columns: usize,
    rows: &[T],
    per_statement: usize,
    mut bind: impl FnMut(&mut Statement<'_>, &[T]) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut run = |stmt: &mut Statement<'_>, chunk: &[T]| -> rusqlite::Result<()> {
        bind(stmt, chunk)?;
        stmt.raw_execute().map(drop)
    };
    let (whole, rest) = rows.split_at(rows.len() - rows.len() % per_statement);
    if !whole.is_empty() {
        let mut stmt = tx.prepare_cached(&values_sql(head, columns, per_statement))?;
        for chunk in whole.chunks_exact(per_statement) {
            run(&mut stmt, chunk)?;
        }
    }
    if !rest.is_empty() {
        let mut stmt = tx.prepare_cached(&values_sql(head, columns, rest.len()))?;
        run(&mut stmt, rest)?;
    }
    Ok(())
}

/// `head` followed by `rows` groups of `columns` placeholders.
fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    let group = format!("({})", vec!["?"; columns].join(", "));
    format!("{head}{}", vec![group; rows].join(", "))
}

/// Whether the community has no members yet.
pub fn is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM members)", [], |r| {
        r.get(0)
    })
}

/// Whether a member id is in use.
pub fn id_taken(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))
}

/// Inserts a member unless one of its identifiers (or its id) is taken, giving `None` then.
/// The stamps are the import file's when it has them.
pub fn try_insert(
    tx: &Transaction<'_>,
    id: Option<i64>,
    fields: &Fields,
    created_at: &str,
    updated_at: &str,
) -> rusqlite::Result<Option<i64>> {
    let inserted = tx.prepare_cached(
        // OR IGNORE rather than ON CONFLICT DO NOTHING: no constraint can then abort the
        // statement, so SQLite keeps no statement journal (a copy of every page touched, per
        // row). The caller has validated NOT NULL and CHECK rules already.
        "INSERT OR IGNORE INTO members (id, name, email, phone, wechat, source, source_id, tier, \
         status, joined_at, expires_at, left_at, note, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(
        params![
            id,
            fields.name,
            fields.email,
            fields.phone,
            fields.wechat,
            fields.source,
            fields.source_id,
            fields.tier,
            fields.status,
            fields.joined_at,
            fields.expires_at,
            fields.left_at,
            fields.note,
            created_at,
            updated_at,
    ])?;
    // Not RETURNING: it builds a temporary table per statement, which costs more than the insert.
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

/// The first identifier in `fields` that another member already has.
pub fn find_conflict(
    conn: &Connection,
    fields: &Fields,
    exclude: Option<i64>,
) -> rusqlite::Result<Option<Conflict>> {
    let checks: [(&'static str, &str, Option<&String>); 3] = [
        (
            "email",
            "SELECT id FROM members WHERE email = ?1",
            fields.email.as_ref(),
        ),
        (
            "phone",
            "SELECT id FROM members WHERE phone = ?1",
            fields.phone.as_ref(),
        ),
        (
            "wechat",
            "SELECT id FROM members WHERE wechat = ?1",
            fields.wechat.as_ref(),
        ),
    ];
    for (field, sql, value) in checks {
        let Some(value) = value else { continue };
        let id: Option<i64> = conn
            .prepare_cached(sql)?
            .query_row([value], |r| r.get(0))
            .optional()?;
        if let Some(member_id) = id.filter(|id| Some(*id) != exclude) {
            return Ok(Some(Conflict {
                field,
                value: value.clone(),
                member_id,
            }));
        }
    }
    if let (Some(source), Some(source_id)) = (&fields.source, &fields.source_id) {
        let id: Option<i64> = conn
            .prepare_cached("SELECT id FROM members WHERE source = ?1 AND source_id = ?2")?
            .query_row([source, source_id], |r| r.get(0))
            .optional()?;
        if let Some(member_id) = id.filter(|id| Some(*id) != exclude) {
            return Ok(Some(Conflict {
                field: "source_id",
                value: format!("{source}:{source_id}"),
                member_id,
            }));
        }
    }
    Ok(None)
}

/// Inserts a member and returns its id.
pub fn insert(tx: &Transaction<'_>, fields: &Fields, now: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO members (name, email, phone, wechat, source, source_id, tier, status, \
         joined_at, expires_at, left_at, note, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )?
    .execute(params![
        fields.name,
        fields.email,
        fields.phone,
        fields.wechat,
        fields.source,
        fields.source_id,
        fields.tier,
        fields.status,
        fields.joined_at,
        fields.expires_at,
        fields.left_at,
        fields.note,
        now,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Overwrites every field of a member and stamps updated_at.
pub fn update(tx: &Transaction<'_>, id: i64, fields: &Fields, now: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE members SET name = ?2, email = ?3, phone = ?4, wechat = ?5, source = ?6, \
         source_id = ?7, tier = ?8, status = ?9, joined_at = ?10, expires_at = ?11, left_at = ?12, \
         note = ?13, updated_at = ?14 WHERE id = ?1",
    )?
    .execute(params![
        id,
        fields.name,
        fields.email,
        fields.phone,
        fields.wechat,
        fields.source,
        fields.source_id,
        fields.tier,
        fields.status,
        fields.joined_at,
        fields.expires_at,
        fields.left_at,
        fields.note,
        now,
    ])?;
    Ok(())
}

/// Removes a member; tags and points go with them.
pub fn delete(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM members WHERE id = ?1", [id])? > 0)
}

fn touch(tx: &Transaction<'_>, id: i64, now: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE members SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// Adds tags the member does not have yet and stamps updated_at; returns how many were new.
pub fn add_tags(
    tx: &Transaction<'_>,
    id: i64,
    tags: &[String],
    now: &str,
) -> rusqlite::Result<usize> {
    let added = insert_tags(tx, id, tags)?;
    if added > 0 {
        touch(tx, id, now)?;
    }
    Ok(added)
}

/// Adds tags without stamping updated_at (an import keeps the stamps its file carries).
pub fn insert_tags(tx: &Transaction<'_>, id: i64, tags: &[String]) -> rusqlite::Result<usize> {
    let mut added = 0;
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO member_tags (member_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        added += stmt.execute(params![id, tag])?;
    }
    Ok(added)
}

/// Removes tags; returns how many the member had.
pub fn remove_tags(
    tx: &Transaction<'_>,
    id: i64,
    tags: &[String],
    now: &str,
) -> rusqlite::Result<usize> {
    let mut removed = 0;
    let mut stmt =
        tx.prepare_cached("DELETE FROM member_tags WHERE member_id = ?1 AND tag = ?2")?;
    for tag in tags {
        removed += stmt.execute(params![id, tag])?;
    }
    if removed > 0 {
        touch(tx, id, now)?;
    }
    Ok(removed)
}

/// The sum of a member's points ledger.
pub fn points_balance(conn: &Connection, id: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT coalesce(sum(delta), 0) FROM points_ledger WHERE member_id = ?1")?
        .query_row([id], |r| r.get(0))
}

/// Records a grant or redemption and returns the new balance; refuses to go below zero.
pub fn add_points(
    tx: &Transaction<'_>,
    id: i64,
    delta: i64,
    reason: &str,
    now: &str,
) -> anyhow::Result<i64> {
    let balance = points_balance(tx, id)?;
    let after = balance
        .checked_add(delta)
        .filter(|after| *after >= 0)
        .ok_or(Overdrawn { balance, delta })?;
    insert_points(tx, id, delta, reason, now)?;
    touch(tx, id, now)?;
    Ok(after)
}

/// Writes one ledger entry as is: no balance check and no stamp (for imports, which set the
/// balance their file states).
pub fn insert_points(
    tx: &Transaction<'_>,
    id: i64,
    delta: i64,
    reason: &str,
    at: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO points_ledger (member_id, delta, reason, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, delta, reason, at])?;
    Ok(())
}

/// The newest `limit` ledger entries of a member, newest first.
pub fn points_history(
    conn: &Connection,
    id: i64,
    limit: u32,
) -> rusqlite::Result<Vec<PointsEntry>> {
    conn.prepare_cached(
        "SELECT id, delta, reason, created_at FROM points_ledger WHERE member_id = ?1 \
         ORDER BY id DESC LIMIT ?2",
    )?
    .query_map(params![id, limit], |r| {
        Ok(PointsEntry {
            id: r.get(0)?,
            delta: r.get(1)?,
            reason: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?
    .collect()
}

/// Streams the members a filter selects, in order, to `each`; nothing is collected.
pub fn for_each(
    conn: &Connection,
    filter: &Filter,
    today: NaiveDate,
    each: impl FnMut(Member) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for_each_reusing(conn, filter, today, Member::blank, each)
}

/// [`for_each`], reading each member into one `spare` gives (a member `each` is done with, or
/// [`Member::blank`]): memory an export has written out is read into again, not freed and
/// allocated anew for each member.
pub fn for_each_reusing(
    conn: &Connection,
    filter: &Filter,
    today: NaiveDate,
    mut spare: impl FnMut() -> Member,
    each: impl FnMut(Member) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if filter.is_everyone_by_id() {
        return for_each_merged(conn, today, spare, each);
    }
    let mut query = super::Filtered::new(select_sql());
    query.bind(":today", today.to_string());
    if let Some(tier) = &filter.tier {
        query.and("m.tier = :tier COLLATE NOCASE", ":tier", tier.clone());
    }
    if let Some(status) = filter.status {
        query.and(
            format!("({STATUS_NOW}) = :status"),
            ":status",
            status.as_str().to_string(),
        );
    }
    // `m.id IN (..)`, not a correlated EXISTS: SQLite then starts from the tag's members in
    // member_tags_tag rather than testing every member (a rare tag: 450 ms to 5 ms).
    for (i, tag) in filter.tags.iter().enumerate() {
        let name = format!(":tag{i}");
        query.and(
            format!("m.id IN (SELECT t.member_id FROM member_tags t WHERE t.tag = {name})"),
            &name,
            tag.clone(),
        );
    }
    if let Some(source) = &filter.source {
        query.and(
            "m.source = :source COLLATE NOCASE",
            ":source",
            source.clone(),
        );
    }
    if let Some(search) = &filter.search {
        query.and(
            "(m.name LIKE :search ESCAPE '\\' OR m.email LIKE :search ESCAPE '\\' \
             OR m.phone LIKE :search ESCAPE '\\' OR m.wechat LIKE :search ESCAPE '\\' \
             OR m.note LIKE :search ESCAPE '\\')",
            ":search",
            super::like_pattern(search),
        );
    }
    if let Some(date) = filter.joined_after {
        query.and(
            "m.joined_at >= :joined_after",
            ":joined_after",
            date.to_string(),
        );
    }
    if let Some(date) = filter.joined_before {
        query.and(
            "m.joined_at <= :joined_before",
            ":joined_before",
            date.to_string(),
        );
    }
    if let Some(date) = filter.expiring_by {
        query.and(
            "m.expires_at >= :today AND m.expires_at <= :expiring_by \
             AND m.status IN ('trial', 'active', 'cancelled', 'comped')",
            ":expiring_by",
            date.to_string(),
        );
    }
    let direction = if filter.descending { "DESC" } else { "ASC" };
    let mut order = format!("{} {direction}", filter.sort.column());
    if filter.sort != Sort::Id {
        order.push_str(&format!(", m.id {direction}"));
    }
    let read = |row: &Row<'_>| {
        let mut member = spare();
        fill_whole(row, &mut member)?;
        Ok(member)
    };
    query.for_each(conn, &order, filter.limit, read, each)
}

/// Every member in id order: the members, their tags and their points sums read side by side
/// in member order and merged, where [`select_sql`] asks a subquery of each per member (about
/// a third of the time of exporting a whole community).
fn for_each_merged(
    conn: &Connection,
    today: NaiveDate,
    mut spare: impl FnMut() -> Member,
    mut each: impl FnMut(Member) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut members = conn.prepare(&format!(
        "SELECT m.id, m.name, m.email, m.phone, m.wechat, m.source, m.source_id, m.tier, \
         m.status, m.joined_at, m.expires_at, m.left_at, m.note, m.created_at, m.updated_at, \
         {STATUS_NOW} AS status_now FROM members m ORDER BY m.id"
    ))?;
    let mut tags =
        conn.prepare("SELECT member_id, tag FROM member_tags ORDER BY member_id, tag")?;
    let mut points = conn.prepare(
        "SELECT member_id, sum(delta) FROM points_ledger GROUP BY member_id ORDER BY member_id",
    )?;
    let mut tags = Beside::new(tags.query([])?, |row, tag: &mut String| {
        set_text(row, 1, tag)
    })?;
    let mut points = Beside::new(points.query([])?, |row, sum: &mut i64| {
        *sum = row.get(1)?;
        Ok(())
    })?;
    let mut rows = members.query(rusqlite::named_params! {":today": super::day_text(today)})?;
    let mut sums = Vec::new();
    while let Some(row) = rows.next()? {
        let mut member = spare();
        fill(row, &mut member)?;
        tags.of_member(member.id, &mut member.tags)?;
        points.of_member(member.id, &mut sums)?;
        member.points = sums.iter().sum();
        each(member)?;
    }
    Ok(())
}

/// Rows of (member id, value) in member order, read beside the members in step with them.
struct Beside<'s, T> {
    rows: rusqlite::Rows<'s>,
    /// The member id of the row read last, whose value is in `value`; `None` at the end.
    head: Option<i64>,
    value: T,
    read: fn(&Row<'_>, &mut T) -> rusqlite::Result<()>,
}

impl<'s, T: Default> Beside<'s, T> {
    fn new(
        rows: rusqlite::Rows<'s>,
        read: fn(&Row<'_>, &mut T) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<Self> {
        let mut beside = Beside {
            rows,
            head: None,
            value: T::default(),
            read,
        };
        beside.advance()?;
        Ok(beside)
    }

    fn advance(&mut self) -> rusqlite::Result<()> {
        self.head = match self.rows.next()? {
            Some(row) => {
                (self.read)(row, &mut self.value)?;
                Some(row.get(0)?)
            }
            None => None,
        };
        Ok(())
    }

    /// Sets `values` to those of member `id`, in the space they had (a value read swaps
    /// places with the one it replaces). Those of lower ids, whose members are gone, are
    /// passed over.
    fn of_member(&mut self, id: i64, values: &mut Vec<T>) -> rusqlite::Result<()> {
        let mut n = 0;
        while let Some(of) = self.head.filter(|of| *of <= id) {
            if of == id {
                match values.get_mut(n) {
                    Some(slot) => std::mem::swap(slot, &mut self.value),
                    None => values.push(std::mem::take(&mut self.value)),
                }
                n += 1;
            }
            self.advance()?;
        }
        values.truncate(n);
        Ok(())
    }
}

/// How many members there are.
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM members", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL of every index on members and member_tags, in order of the SQL.
    fn indexes(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ('members', 'member_tags') ORDER BY sql",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The sorting settings of the index builds are theirs alone: afterwards every index is
    /// back and the connection has its own page cache again and no sorting threads.
    #[test]
    fn restoring_indexes_brings_them_back_and_leaves_the_connection_as_it_was() {
        let mut conn = crate::db::memory();
        let pragma = |conn: &Connection, name| -> i64 {
            conn.pragma_query_value(None, name, |r| r.get(0)).unwrap()
        };
        let (before, cache) = (indexes(&conn), pragma(&conn, "cache_size"));
        assert!(before.len() >= 8, "{before:?}");
        let tx = conn.transaction().unwrap();
        let suspended = suspend_for_bulk_load(&tx).unwrap();
        assert!(indexes(&tx).is_empty());
        restore_indexes(&tx, &suspended).unwrap();
        tx.commit().unwrap();
        assert_eq!(indexes(&conn), before);
        assert_eq!(pragma(&conn, "cache_size"), cache);
        assert_eq!(pragma(&conn, "threads"), 0);
    }
}
