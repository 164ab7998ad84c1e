//! The store: the only code that speaks SQL. Opening, pragmas and ordered migrations live here;
//! each table family has a file of free functions taking `&Connection` to read and
//! `&Transaction` to write. Knows nothing of clap or output formats.

pub mod content;
pub mod courses;
pub mod members;
pub mod metrics;
pub mod payments;
pub mod plan;
pub mod rollups;
pub mod series;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use thiserror::Error;

/// Ordered migrations; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_members.sql"),
    include_str!("migrations/0002_revenue.sql"),
    include_str!("migrations/0003_content.sql"),
    include_str!("migrations/0004_reports.sql"),
    // The rollups' tables and triggers, then their first filling from the data already there.
    concat!(
        include_str!("migrations/0005_rollups.sql"),
        include_str!("rollups_fill_members.sql"),
        include_str!("rollups_fill_payments.sql")
    ),
    // The rollups of `report revenue --by`, then their first filling.
    concat!(
        include_str!("migrations/0006_revenue_by.sql"),
        include_str!("rollups_fill_by.sql")
    ),
    include_str!("migrations/0007_import_speed.sql"),
    include_str!("migrations/0008_connection_triggers.sql"),
    include_str!("migrations/0009_joined_at.sql"),
];

/// The rollups' triggers and views and the ledger's checks, as TEMP objects: what every
/// connection that may write creates for itself ([`Access::Write`]); the file holds none of
/// them since schema 8 (`migrations/0008_connection_triggers.sql` says why).
const TRIGGERS: &str = include_str!("rollups_triggers.sql");

/// What a command will do with the database, which decides what its connection sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only: the connection parses no trigger, and refuses to write (`query_only`), so
    /// a write that would skip the rollups fails loudly instead.
    Read,
    /// May write: the connection creates the triggers that keep the rollups exact.
    Write,
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Page cache per connection, in KiB. Index builds may take as much again, so this keeps a
/// million-row import under 64 MB.
const CACHE_KIB: i64 = 20 * 1024;

/// Page cache while the import's fast path loads rows (import/bulk.rs): appending to a table
/// needs little, and its fingerprints need the memory. Its index builds take less still
/// (`members::restore_indexes`).
pub const BULK_CACHE_KIB: i64 = 6 * 1024;

/// Sets the page cache of `conn` to `kib` KiB, or back to the default with `None`.
pub fn set_cache(conn: &Connection, kib: Option<i64>) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -kib.unwrap_or(CACHE_KIB))
}

/// A stored day (`YYYY-MM-DD`, as every date column holds) read without a format string:
/// rusqlite's chrono conversion parses `%F` anew for each value, which is most of the cost of
/// reading a date in an export or an import's comparison. Anything else is an error naming it.
pub fn day(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<chrono::NaiveDate>> {
    use rusqlite::types::{FromSqlError, ValueRef};
    let text = match row.get_ref(index)? {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(text) => text,
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                index,
                other.data_type(),
                Box::new(FromSqlError::InvalidType),
            ));
        }
    };
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|d| d.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
    };
    let parsed = match (text.len(), text.get(4), text.get(7)) {
        (10, Some(b'-'), Some(b'-')) => digits(0..4)
            .zip(digits(5..7))
            .zip(digits(8..10))
            .and_then(|((y, m), d)| chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)),
        _ => None,
    };
    parsed.map(Some).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!(
                "not a day (YYYY-MM-DD): {:?}",
                String::from_utf8_lossy(text)
            )
            .into(),
        )
    })
}

/// A day as SQL text (`YYYY-MM-DD`, as every date column holds), written without a format
/// string: chrono's `%F` is parsed anew for each value, and a bulk load binds three days a
/// member. Years outside 0 to 9999 (which no validated input has) take chrono's own form.
pub fn day_text(day: chrono::NaiveDate) -> DayText {
    use chrono::Datelike;
    match u32::try_from(day.year()) {
        Ok(year) if year <= 9999 => {
            let mut text = *b"0000-00-00";
            let mut put = |at: usize, mut n: u32, width: usize| {
                for i in (at..at + width).rev() {
                    text[i] = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            };
            put(0, year, 4);
            put(5, day.month(), 2);
            put(8, day.day(), 2);
            DayText::Short(text)
        }
        _ => DayText::Long(day.to_string()),
    }
}

/// What [`day_text`] gives: binds as SQL text.
pub enum DayText {
    Short([u8; 10]),
    Long(String),
}

impl rusqlite::ToSql for DayText {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        let text = match self {
            DayText::Short(text) => &text[..],
            DayText::Long(text) => text.as_bytes(),
        };
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Text(text),
        ))
    }
}

/// A writer waits this long for another writer before giving up. Long, because a large import
/// holds the write lock for seconds and a script must not fail because of it.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Switches `conn` from the write-ahead log to a rollback journal, for a load into an empty
/// table, and returns whether it did. A write-ahead log writes every page twice (to the log,
/// then to the file at the checkpoint); a rollback journal keeps only the pages a transaction
/// changes that existed before it, so the new pages of a load are written once: about an
/// eighth off a million-member import. The transaction is as atomic either way (a journal
/// left by a crash is rolled back by the next open), and `synchronous = FULL` keeps it as
/// durable. The cost is that other connections cannot read while the load holds the file,
/// which for a first import they would find empty anyway. Nothing changes when another
/// connection has the file open (see [`switch_journal`]). [`use_write_ahead_log`] switches
/// back; so does the next [`open`].
pub fn use_rollback_journal(conn: &Connection) -> Result<bool> {
    let switched = switch_journal(conn, "DELETE")?;
    if switched {
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    Ok(switched)
}

/// Back to the write-ahead log every connection opens with, after [`use_rollback_journal`].
/// Called after the commit, so a busy file is no failure: the connection that has it open
/// switched it back when it opened it (every [`open`] does).
pub fn use_write_ahead_log(conn: &Connection) -> Result<()> {
    switch_journal(conn, "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

/// Sets the journal mode of `conn`'s file and says whether the file is in it now. SQLite
/// switches only while no other connection holds the file, and does not wait for that (no
/// busy handler): a busy file keeps its mode, which is no error here.
fn switch_journal(conn: &Connection, mode: &str) -> rusqlite::Result<bool> {
    let now =
        conn.pragma_update_and_check(None, "journal_mode", mode, |row| row.get::<_, String>(0));
    match now {
        Ok(now) => Ok(now.eq_ignore_ascii_case(mode)),
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Why a database cannot be used; each tells the user what to do.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error("no database at {0}\nhint: run `community init` to create one, or pass --db PATH")]
    Missing(PathBuf),
    #[error("{0} is not a SQLite database")]
    NotSqlite(PathBuf),
    #[error("{0} is a SQLite database, but not one of community's (it has other tables)")]
    Foreign(PathBuf),
    #[error(
        "{path} was written by a newer version of community (schema {found}; this build knows up to {supported})\nhint: upgrade community; the database was not changed"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

/// Opens an existing database, brings its schema up to date, and sets it up for `access`.
/// `note` hears what the user should know about the wait: that the rollups are being rebuilt
/// after another program's writes.
pub fn open(path: &Path, access: Access, note: &dyn Fn(&str)) -> Result<Connection> {
    if !path.exists() {
        return Err(OpenError::Missing(path.to_path_buf()).into());
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))?;
    prepare(conn, path, access, note)
}

/// A second, read-only connection to a database another connection of this process has
/// opened (and migrated): for reads on another thread while that one writes. In WAL mode it
/// sees the last commit, never the writer's transaction in progress.
pub fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
    Ok(conn)
}

/// Page cache of [`open_reader`]'s connections, in KiB: they look members up by identifier,
/// at random in the unique indexes.
const READER_CACHE_KIB: i64 = 16 * 1024;

/// Creates a new database file readable by its owner only, and migrates it.
pub fn create(path: &Path) -> Result<Connection> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))?;
    prepare(conn, path, Access::Write, &|_| {})
}

/// An in-memory database at the current schema, for tests.
#[cfg(test)]
pub fn memory() -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory database");
    prepare(conn, Path::new(":memory:"), Access::Write, &|_| {}).expect("migrates")
}

fn prepare(
    mut conn: Connection,
    path: &Path,
    access: Access,
    note: &dyn Fn(&str),
) -> Result<Connection> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Read before any pragma that writes (journal_mode does), so a newer or foreign file is
    // refused untouched.
    let version = user_version(&conn).map_err(|e| classify(e, path))?;
    check_version(&conn, version, path)?;
    // Not switched while a first import holds the file in a rollback journal
    // (`use_rollback_journal`): then this connection reads in that mode, waiting for the import
    // as any reader of it does, and the import switches back at its end.
    switch_journal(&conn, "WAL").map_err(|e| classify(e, path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Large imports touch every index at random; a roomy page cache keeps them from spilling
    // to the WAL again and again. SQLite allocates it only as it is used.
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Every write transaction takes the write lock up front, so two writers queue on
    // busy_timeout instead of deadlocking on a read-to-write upgrade.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    migrate(&mut conn, path)?;
    set_up_for(&mut conn, access, note)?;
    if access == Access::Read && !log_has_frames(path) {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    }
    Ok(conn)
}

/// Whether the write-ahead log beside `path` holds anything: what a reading connection checks
/// before it leaves the log in place at close.
///
/// The last connection to close a file checkpoints its log and deletes it and the `-shm`
/// index, and the next command creates both again: a tenth of the time of a short command
/// (`member list --limit 1`, 3.4 to 3.05 ms). A reading connection writes nothing to the log,
/// so when the log is empty once the connection is set up (no migration, no rollup rebuild
/// wrote to it) there is nothing to checkpoint, and it closes without: the empty log and its
/// index stay beside the file for the next command. A log with frames (a writer's, or this
/// connection's own set-up) is checkpointed and deleted at close as before, so a log with
/// content never outlives the commands of `community` by more than the next one. A writing
/// connection always checkpoints at close.
fn log_has_frames(path: &Path) -> bool {
    std::fs::metadata(beside(path, "-wal")).is_ok_and(|m| m.len() > 0)
}

/// The file SQLite keeps beside the database `path` under `suffix` (`-wal`, `-shm`).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut side = path.as_os_str().to_owned();
    side.push(suffix);
    PathBuf::from(side)
}

/// Sets a migrated connection up for `access`: only its own TEMP triggers fire from here on
/// (the file's are for other programs: they mark the rollups stale, `rollup_state`), the
/// rollups are rebuilt first if another program left them stale, and then either the triggers
/// that keep them exact are created, or writes are refused.
fn set_up_for(conn: &mut Connection, access: Access, note: &dyn Fn(&str)) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    refresh_rollups(conn, note)?;
    match access {
        Access::Write => install_triggers(conn)?,
        Access::Read => conn.pragma_update(None, "query_only", true)?,
    }
    Ok(())
}

/// Creates this connection's TEMP triggers and views ([`TRIGGERS`]) that do not exist yet (a
/// rebuild of stale rollups creates them first, for the views it reads).
pub fn install_triggers(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TRIGGERS)
}

/// The statement that creates again a TEMP trigger or view whose SQL `sqlite_temp_schema` holds:
/// SQLite stores it without the TEMP (`CREATE TRIGGER name ...`), which would create it in the
/// file instead.
pub fn temp_sql(stored: &str) -> String {
    for kind in ["TRIGGER", "VIEW"] {
        if let Some(rest) = stored.strip_prefix(&format!("CREATE {kind} ")) {
            return format!("CREATE TEMP {kind} {rest}");
        }
    }
    stored.to_owned()
}

/// Rebuilds the rollups when another program changed what they follow since they were last
/// exact (its writes fire the file's `stale_*` triggers, schema 8), and clears the mark: a
/// one-row read otherwise. The rebuild reads every member and payment (about a minute for
/// five million payments), once, by whichever command opens the file first.
fn refresh_rollups(conn: &mut Connection, note: &dyn Fn(&str)) -> Result<()> {
    fn stale(conn: &Connection) -> rusqlite::Result<bool> {
        conn.query_row("SELECT stale FROM rollup_state", [], |r| r.get(0))
    }
    if !stale(conn)? {
        return Ok(());
    }
    install_triggers(conn)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another command may have rebuilt them while this one waited for the lock.
    if stale(&tx)? {
        note(
            "another program changed members, tags or payments: rebuilding the rollups the reports read (once; seconds per million members)",
        );
        rollups::rebuild(&tx)?;
        tx.execute("UPDATE rollup_state SET stale = 0", [])?;
    }
    tx.commit()?;
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

fn check_version(conn: &Connection, version: i64, path: &Path) -> Result<()> {
    if version > SCHEMA_VERSION {
        return Err(OpenError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        }
        .into());
    }
    if version == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(OpenError::Foreign(path.to_path_buf()).into());
        }
    }
    Ok(())
}

/// Applies each pending migration in its own transaction, together with its version number,
/// so an interrupted upgrade leaves the previous version intact.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_with(conn, path, MIGRATIONS)
}

/// [`migrate`] over any list, so a test can make one fail midway.
fn migrate_with(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<()> {
    let target = migrations.len() as i64;
    // An up-to-date database is the common case: checking it must not take the write lock,
    // or every reader would queue behind a long import (WAL lets them read meanwhile).
    if user_version(conn)? == target {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read inside the lock: another process may have migrated meanwhile.
        let version = user_version(&tx)?;
        if version > target {
            return check_version(&tx, version, path);
        }
        let Some(sql) = usize::try_from(version)
            .ok()
            .and_then(|v| migrations.get(v))
        else {
            return Ok(());
        };
        tx.execute_batch(sql)
            .with_context(|| format!("migrating {} to schema {}", path.display(), version + 1))?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

fn classify(err: rusqlite::Error, path: &Path) -> anyhow::Error {
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => OpenError::NotSqlite(path.to_path_buf()).into(),
        _ => anyhow::Error::new(err).context(format!("reading {}", path.display())),
    }
}

/// A backup would overwrite a file the user did not say to replace.
#[derive(Debug, Error)]
#[error("{0} already exists\nhint: pass --force to replace it")]
pub struct BackupExists(pub PathBuf);

/// Copies the database behind `conn` to `dest` with SQLite's online backup, in one step: one
/// read transaction, so the copy is one consistent snapshot however busy the writers are (in
/// WAL mode they are not blocked meanwhile). The copy is written to a file created mode 0600
/// beside `dest` and renamed into place when complete, so `dest` is never half-written.
pub fn backup(conn: &Connection, dest: &Path, force: bool) -> Result<()> {
    if dest.exists() && !force {
        return Err(BackupExists(dest.to_path_buf()).into());
    }
    let name = dest
        .file_name()
        .with_context(|| format!("{} names no file", dest.display()))?;
    let partial = dest.with_file_name(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let mut copy =
            Connection::open(&partial).with_context(|| format!("opening {}", partial.display()))?;
        {
            use rusqlite::backup::{Backup, StepResult};
            let backup = Backup::new(conn, &mut copy)?;
            // -1: every page in one step, under one read transaction. Busy or Locked only
            // means the copy's own file is locked for a moment: retry.
            let mut waited = std::time::Duration::ZERO;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    _ if waited >= BUSY_TIMEOUT => {
                        anyhow::bail!("the database stayed locked for {}s", BUSY_TIMEOUT.as_secs())
                    }
                    _ => {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        waited += std::time::Duration::from_millis(50);
                    }
                }
            }
        }
        copy.close().map_err(|(_, e)| e)?;
        // A stale write-ahead log beside the old copy would be replayed onto the new one.
        for suffix in ["-wal", "-shm"] {
            let side = beside(dest, suffix);
            match std::fs::remove_file(&side) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(
                        anyhow::Error::new(e).context(format!("removing {}", side.display()))
                    );
                }
                _ => {}
            }
        }
        std::fs::rename(&partial, dest)
            .with_context(|| format!("moving the copy to {}", dest.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// A list query built from optional filters: each filter adds one condition (joined with
/// AND) and its named parameter, and rows stream to a callback. The list commands of members,
/// content and payments share it, so binding and streaming are written once.
pub struct Filtered {
    sql: String,
    conditions: Vec<String>,
    values: Vec<(String, rusqlite::types::Value)>,
}

impl Filtered {
    /// Starts from a `SELECT ... FROM ...` without WHERE.
    pub fn new(select: impl Into<String>) -> Filtered {
        Filtered {
            sql: select.into(),
            conditions: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Binds a parameter the SELECT itself uses (such as `:today`).
    pub fn bind(&mut self, name: &str, value: impl Into<rusqlite::types::Value>) -> &mut Self {
        self.values.push((name.to_string(), value.into()));
        self
    }

    /// Adds a condition and the parameter it names.
    pub fn and(
        &mut self,
        condition: impl Into<String>,
        name: &str,
        value: impl Into<rusqlite::types::Value>,
    ) -> &mut Self {
        self.conditions.push(condition.into());
        self.bind(name, value)
    }

    /// Runs with `order_by` (the clause's body) and an optional limit, streaming each row.
    pub fn for_each<T>(
        &self,
        conn: &Connection,
        order_by: &str,
        limit: Option<u64>,
        mut from_row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        mut each: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        let mut sql = self.sql.clone();
        if !self.conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&self.conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY ");
        sql.push_str(order_by);
        if let Some(limit) = limit {
            sql.push_str(&format!(" LIMIT {}", limit.min(i64::MAX as u64)));
        }
        let mut stmt = conn.prepare(&sql)?;
        let named: Vec<(&str, &dyn rusqlite::ToSql)> = self
            .values
            .iter()
            .map(|(name, value)| (name.as_str(), value as &dyn rusqlite::ToSql))
            .collect();
        let mut rows = stmt.query(named.as_slice())?;
        while let Some(row) = rows.next()? {
            each(from_row(row)?)?;
        }
        Ok(())
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE ... ESCAPE '\'`.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite is built with `.cargo/config.toml`'s options (README, "Import and export
    /// speed"): a build that lost them would still work, only slower, so this says so. The
    /// options are read from the same `LIBSQLITE3_FLAGS` that cargo hands the build.
    #[test]
    fn sqlite_is_built_with_the_options_of_cargo_config() {
        let flags = env!("LIBSQLITE3_FLAGS");
        let conn = memory();
        let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
        let options = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        let wanted: Vec<&str> = flags
            .split_whitespace()
            .map(|flag| flag.trim_start_matches("SQLITE_"))
            .collect();
        assert!(!wanted.is_empty(), "no options in LIBSQLITE3_FLAGS");
        for option in wanted {
            assert!(
                options.iter().any(|o| o == option),
                "{option} not in {options:?}"
            );
        }
    }

    #[test]
    fn days_are_bound_as_chrono_writes_them() {
        let conn = memory();
        for (y, m, d) in [
            (2026, 2, 28),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (0, 7, 4),
        ] {
            let day = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let text: String = conn
                .query_row("SELECT ?1", [day_text(day)], |r| r.get(0))
                .unwrap();
            assert_eq!(text, day.to_string());
        }
        for day in [chrono::NaiveDate::MIN, chrono::NaiveDate::MAX] {
            let text: String = conn
                .query_row("SELECT ?1", [day_text(day)], |r| r.get(0))
                .unwrap();
            assert_eq!(text, day.to_string());
        }
    }

    #[test]
    fn stored_days_are_read_exactly_or_refused() {
        let conn = memory();
        let read = |sql: &str| conn.query_row(sql, [], |r| day(r, 0));
        assert_eq!(
            read("SELECT '2024-02-29'").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(read("SELECT NULL").unwrap(), None);
        for bad in [
            "'2026-02-30'",
            "'2026-2-03'",
            "'2026/02/03'",
            "'２０２６-02-03'",
            "20260203",
        ] {
            assert!(read(&format!("SELECT {bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_database_is_at_the_current_schema() {
        let conn = memory();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn every_migration_applies_from_the_one_before() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            assert_eq!(user_version(&conn).unwrap(), i as i64);
            let tx = conn.transaction().unwrap();
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .unwrap();
            tx.commit().unwrap();
        }
        // Running the migrator on an up-to-date database changes nothing.
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_migration_failing_midway_leaves_the_version_before_it_intact() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_with(&mut conn, Path::new(":memory:"), &MIGRATIONS[..1]).unwrap();
        conn.execute_batch(
            "INSERT INTO members (name, email, tier, status, joined_at, created_at, updated_at) \
             VALUES ('A', 'a@example.com', 'free', 'active', '2026-01-01', 'x', 'x')",
        )
        .unwrap();
        // Its first statements succeed; the third fails.
        let broken = [
            MIGRATIONS[0],
            "CREATE TABLE half (x); UPDATE members SET name = 'changed'; INSERT INTO nowhere VALUES (1);",
        ];
        let err = migrate_with(&mut conn, Path::new("x.db"), &broken).unwrap_err();
        assert!(
            format!("{err:#}").contains("migrating x.db to schema 2"),
            "{err:#}"
        );
        assert_eq!(user_version(&conn).unwrap(), 1);
        let half: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'half'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(half, 0);
        let name: String = conn
            .query_row("SELECT name FROM members", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, "A");
        // Still usable: the real migrations bring it up to date.
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
    }

    /// A connection that only reads parses no trigger and refuses to write; one that writes
    /// has every trigger as its own, and the file holds only those for other programs.
    #[test]
    fn readers_parse_no_trigger_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        drop(create(&path).unwrap());
        let temp_objects = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM sqlite_temp_schema", [], |r| r.get(0))
                .unwrap()
        };
        let reader = open(&path, Access::Read, &|_| {}).unwrap();
        assert_eq!(temp_objects(&reader), 0);
        let err = reader
            .execute(
                "INSERT INTO member_tags (member_id, tag) VALUES (1, 'x')",
                [],
            )
            .unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(ErrorCode::ReadOnly), "{err}");
        let writer = open(&path, Access::Write, &|_| {}).unwrap();
        assert_eq!(
            temp_objects(&writer),
            TRIGGERS.matches("CREATE TEMP ").count() as i64
        );
        let in_file: Vec<String> = writer
            .prepare("SELECT name FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY 1")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            in_file
                .iter()
                .all(|name| name.starts_with("stale_") || name.starts_with("payments_")),
            "{in_file:?}"
        );
    }

    /// The TEMP copies of the ledger's checks fire on community's connections, where the
    /// file's own do not.
    #[test]
    fn the_ledger_checks_hold_on_a_writing_connection() {
        let conn = memory();
        conn.execute_batch(
            "INSERT INTO payments (id, kind, amount, currency, paid_at, paid_on, created_at) \
             VALUES (1, 'other', 100, 'CNY', 'x', '2026-01-01', 'x')",
        )
        .unwrap();
        let err = conn
            .execute("UPDATE payments SET amount = 5 WHERE id = 1", [])
            .unwrap_err();
        assert!(format!("{err}").contains("cannot change"), "{err}");
        let err = conn
            .execute(
                "INSERT INTO payments (kind, amount, currency, paid_at, paid_on, refund_of, \
                 created_at) VALUES ('refund', -500, 'CNY', 'x', '2026-01-02', 1, 'x')",
                [],
            )
            .unwrap_err();
        assert!(format!("{err}").contains("exceed"), "{err}");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = prepare(conn, Path::new("x.db"), Access::Read, &|_| {}).unwrap_err();
        assert!(matches!(
            err.downcast_ref::<OpenError>(),
            Some(OpenError::TooNew { .. })
        ));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
