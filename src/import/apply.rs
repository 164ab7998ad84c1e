//! Applies drafts to the database inside the caller's transaction: matches each row to an
//! existing member (email, then platform id, then phone, then WeChat ID), inserts or merges
//! by the conflict policy, and maps platform tiers to the community's.
//!
//! SQL stays in db/; this decides what to write. The caller commits or rolls back.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use clap::ValueEnum;
use rusqlite::{Connection, Transaction};

use roaring::RoaringTreemap;

pub use super::bulk::FirstSeen;
use super::bulk::{Bulk, Fingerprints, Identifiers, MIN_SLOTS, Row};
use super::{Draft, RowError};
use crate::config::Config;
use crate::db::members::{self, Fields, Identity, Member};
use crate::import::spent::Spent;
use crate::member::Status;

/// What to do when a row names a member who already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OnConflict {
    /// Update the fields the file carries, leave the rest (re-running an import is safe)
    #[default]
    Update,
    /// Keep the existing member as they are
    Skip,
    /// Reject the row
    Error,
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Inserted(i64),
    Updated(i64),
    Unchanged(i64),
    /// An existing member left alone by `--on-conflict skip`.
    Kept(i64),
}

/// Settings of one import run.
pub struct Settings<'a> {
    pub config: &'a Config,
    /// Platform tier name (lower case) to community tier.
    pub tier_map: BTreeMap<String, String>,
    /// Tier for new members whose row names none.
    pub default_tier: String,
    pub on_conflict: OnConflict,
    pub today: NaiveDate,
    pub now: String,
}

/// Applies rows one at a time, remembering which members this run has touched.
pub struct Applier<'a, 't> {
    tx: &'a Transaction<'t>,
    settings: Settings<'a>,
    /// Member ids this run has written or matched, to spot the same member twice in one file.
    touched: RoaringTreemap,
    /// Tier names the community does not have, with how many rows named each.
    pub unknown_tiers: BTreeMap<String, u64>,
    /// Rows that named a member an earlier row of the file already named.
    pub repeats: u64,
    /// Into an empty community: the fast path (bulk.rs), until a row must leave it.
    bulk: Option<Bulk>,
    /// Non-unique indexes dropped for a load into an empty community, rebuilt by `finish`.
    suspended: Vec<String>,
    /// Whether the community had members when the import began.
    had_members: bool,
    /// Fingerprints of the identifiers this run has written (inserted, or set by an update)
    /// into a community that had members. A lookup made beside the writes
    /// ([`Applier::apply_ahead`]) saw the community as it was; a row naming one of these
    /// is looked up again here. `None` once full: from then on every row is looked up here.
    written: Option<Fingerprints>,
}

/// What the import's other threads found out about a row before it reached the writes.
#[derive(Debug, Default)]
pub struct Ahead {
    /// The member the row names, as [`find_existing`] found it on another connection, beside
    /// the writes, when the import began (a re-import looks rows up on a thread of its own).
    /// Used unless this run has since touched that member or written one of the row's
    /// identifiers; then the row is looked up again on the writing connection.
    pub looked_up: Option<Option<Member>>,
    /// What [`FirstSeen::first`] said of the row, once the caller took it
    /// ([`Applier::take_first_seen`]).
    pub first_in_file: Option<bool>,
}

impl<'a, 't> Applier<'a, 't> {
    /// `input_size` (bytes, when known) sizes the fast path's memory.
    pub fn new(
        tx: &'a Transaction<'t>,
        settings: Settings<'a>,
        input_size: Option<u64>,
    ) -> Result<Self> {
        members::begin_bulk(tx)?;
        let had_members = !members::is_empty(tx)?;
        let (suspended, bulk) = if !had_members {
            let suspended = members::suspend_secondary_indexes(tx)?;
            (suspended, Some(Bulk::start(tx, input_size, &settings.now)?))
        } else {
            (Vec::new(), None)
        };
        Ok(Applier {
            tx,
            settings,
            touched: RoaringTreemap::new(),
            unknown_tiers: BTreeMap::new(),
            repeats: 0,
            bulk,
            suspended,
            had_members,
            written: had_members.then(|| Fingerprints::with_slots(MIN_SLOTS)),
        })
    }

    /// Whether the community had members when the import began: then rows may come looked up
    /// already ([`Applier::apply_ahead`]).
    pub fn had_members(&self) -> bool {
        self.had_members
    }

    /// Takes the row-by-row path from the first row: what the fast path must match (tests).
    pub fn row_by_row(mut self) -> Result<Self> {
        self.leave_bulk()?;
        Ok(self)
    }

    /// Writes what is pending and rebuilds any index suspended for the load; call before
    /// committing.
    pub fn finish(mut self) -> Result<()> {
        self.leave_bulk()?;
        if !self.suspended.is_empty() {
            members::restore_indexes(self.tx, &self.suspended)?;
        }
        Ok(())
    }

    /// On the fast path (an empty community), hands over what tells a row that is first in
    /// the file to name its identifiers ([`FirstSeen::first`]), for the reading thread to ask
    /// of every draft, in file order, and pass on as [`Ahead::first_in_file`]. From then on a
    /// row without that answer leaves the fast path. `None` off the fast path.
    pub fn take_first_seen(&mut self) -> Option<FirstSeen> {
        self.bulk.as_mut().and_then(Bulk::take_first_seen)
    }

    /// On the fast path, sends the rows written back through `spent`, to be counted for the
    /// rollups and freed by the thread that read them (`import::spent`).
    pub fn give_spent_to(&mut self, spent: Spent) {
        if let Some(bulk) = &mut self.bulk {
            bulk.spent = spent;
        }
    }

    /// Writes one draft. `Ok(Err(..))` rejects the row; `Err` is a database failure.
    pub fn apply(&mut self, draft: Draft) -> Result<Result<Outcome, RowError>> {
        self.apply_ahead(draft, Ahead::default())
    }

    /// [`Applier::apply`] with what other threads found out about the row before it came
    /// ([`Ahead`]).
    pub fn apply_ahead(
        &mut self,
        mut draft: Draft,
        ahead: Ahead,
    ) -> Result<Result<Outcome, RowError>> {
        let Ahead {
            looked_up,
            first_in_file,
        } = ahead;
        let tier = match self.tier(&draft) {
            Ok(tier) => tier,
            Err(e) => return Ok(Err(e)),
        };
        // An id an earlier row took is not the row's to keep, as on the row-by-row path.
        let own_id = draft.id.filter(|id| !self.seen(*id));
        if let Some(bulk) = &mut self.bulk {
            if let Some(id) = bulk.admit(identifiers(&draft), first_in_file, own_id) {
                let points = draft.points.filter(|p| *p != 0).map(|p| {
                    let at = draft.updated_at.as_ref().or(draft.created_at.as_ref());
                    (p, at.unwrap_or(&self.settings.now).clone())
                });
                let row = Row {
                    fields: new_fields(&self.settings, &mut draft, tier),
                    created_at: draft.created_at,
                    updated_at: draft.updated_at,
                    tags: draft.tags.unwrap_or_default(),
                    points,
                };
                bulk.add(self.tx, id, row)?;
                self.touch(id);
                return Ok(Ok(Outcome::Inserted(id)));
            }
            // This row and the rest go row by row, on rebuilt indexes.
            self.leave_bulk()?;
        }
        // Into a community that had members, most rows of a re-run name one of them: look up
        // first. Otherwise insert first and look up only on a conflict, which costs one
        // statement for a new member: the unique indexes do the matching.
        if self.had_members {
            let existing = match looked_up.filter(|found| self.still_holds(&draft, found)) {
                Some(found) => found,
                None => find_existing(self.tx, &draft, self.settings.today)?,
            };
            if let Some(existing) = existing {
                return self.merge(&draft, tier, existing);
            }
        }
        // A copy: the row is still needed whole if the insert meets a taken identifier.
        let fields = new_fields(&self.settings, &mut draft.clone(), tier.clone());
        let id = match draft.id {
            Some(id) if !members::id_taken(self.tx, id)? => Some(id),
            _ => None,
        };
        let created = draft.created_at.as_deref().unwrap_or(&self.settings.now);
        let updated = draft.updated_at.as_deref().unwrap_or(created);
        if let Some(id) = members::try_insert(self.tx, id, &fields, created, updated)? {
            note_written(&mut self.written, &fields);
            if let Some(tags) = &draft.tags {
                members::insert_tags(self.tx, id, tags)?;
            }
            if let Some(points) = draft.points.filter(|p| *p != 0) {
                members::insert_points(self.tx, id, points, "imported balance", updated)?;
            }
            self.touch(id);
            return Ok(Ok(Outcome::Inserted(id)));
        }
        // Another identifier is taken: the row names an existing member by it.
        match find_existing(self.tx, &draft, self.settings.today)? {
            Some(existing) => self.merge(&draft, tier, existing),
            None => Ok(Err(RowError::new(
                draft.line,
                "conflicts with an existing member in a way no identifier explains",
            ))),
        }
    }

    /// Whether a lookup made beside the writes still holds: it found no member this run has
    /// touched, and the row names no identifier this run has written. Fingerprints that
    /// collide only send a row to be looked up again.
    fn still_holds(&self, draft: &Draft, found: &Option<Member>) -> bool {
        let Some(written) = &self.written else {
            return false;
        };
        !found.as_ref().is_some_and(|m| self.seen(m.id))
            && !identifiers(draft)
                .fingerprints()
                .into_iter()
                .flatten()
                .any(|f| written.contains(f))
    }

    fn merge(
        &mut self,
        draft: &Draft,
        tier: Option<String>,
        existing: Member,
    ) -> Result<Result<Outcome, RowError>> {
        let id = existing.id;
        if self.seen(id) {
            self.repeats += 1;
        }
        match self.settings.on_conflict {
            OnConflict::Skip => {
                self.touch(id);
                return Ok(Ok(Outcome::Kept(id)));
            }
            OnConflict::Error => {
                return Ok(Err(RowError::new(
                    draft.line,
                    format!("member {id} already exists (--on-conflict error)"),
                )));
            }
            OnConflict::Update => {}
        }
        let mut fields = existing.fields.clone();
        apply_carried(&mut fields, draft, tier);
        let new_tags: Vec<String> = draft
            .tags
            .iter()
            .flatten()
            .filter(|t| !existing.tags.iter().any(|e| e.eq_ignore_ascii_case(t)))
            .cloned()
            .collect();
        let points_delta = draft.points.map_or(0, |p| p - existing.points);
        if fields == existing.fields && new_tags.is_empty() && points_delta == 0 {
            self.touch(id);
            return Ok(Ok(Outcome::Unchanged(id)));
        }
        if let Some(conflict) = members::find_conflict(self.tx, &fields, Some(id))? {
            return Ok(Err(RowError::new(
                draft.line,
                format!("matches member {id}, but {conflict}"),
            )));
        }
        let now = &self.settings.now;
        members::update(self.tx, id, &fields, now)?;
        note_written(&mut self.written, &fields);
        members::insert_tags(self.tx, id, &new_tags)?;
        if points_delta != 0 {
            members::insert_points(self.tx, id, points_delta, "imported balance", now)?;
        }
        self.touch(id);
        Ok(Ok(Outcome::Updated(id)))
    }

    /// The community tier a row's tier names, by `--tier-map` or by name. Several names (a
    /// Ghost member on two tiers) resolve to the highest of them in community.toml's order.
    fn tier(&mut self, draft: &Draft) -> Result<Option<String>, RowError> {
        let Some(raw) = draft.tier.as_deref() else {
            return Ok(None);
        };
        let config = self.settings.config;
        let mut best: Option<usize> = None;
        let mut unknown = Vec::new();
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            // Most imports have no --tier-map: skip the per-row lowercase copy then.
            let map = &self.settings.tier_map;
            let mapped = if map.is_empty() {
                name
            } else {
                map.get(&name.to_lowercase()).map_or(name, String::as_str)
            };
            match config
                .tiers
                .iter()
                .position(|t| t.name().eq_ignore_ascii_case(mapped))
            {
                Some(rank) => best = best.max(Some(rank)),
                None => unknown.push(name),
            }
        }
        match best {
            Some(rank) => Ok(Some(config.tiers[rank].name().to_string())),
            None if unknown.is_empty() => Ok(None),
            None => {
                for name in &unknown {
                    *self.unknown_tiers.entry((*name).to_string()).or_default() += 1;
                }
                let mut error = RowError::at(
                    draft.line,
                    "tier",
                    raw,
                    "no such tier in community.toml (see --tier-map)",
                );
                error.summarized = true;
                Err(error)
            }
        }
    }

    /// Ends the fast path, if on it: writes what it holds and builds the unique indexes.
    fn leave_bulk(&mut self) -> Result<()> {
        match self.bulk.take() {
            Some(bulk) => bulk.finish(self.tx),
            None => Ok(()),
        }
    }

    fn seen(&self, id: i64) -> bool {
        u64::try_from(id).is_ok_and(|id| self.touched.contains(id))
    }

    /// A compressed bitmap: a million members in order cost about 130 KB, and an id of 2^62
    /// from a file costs a few bytes, not a bit per id below it.
    fn touch(&mut self, id: i64) {
        if let Ok(id) = u64::try_from(id) {
            self.touched.insert(id);
        }
    }
}

/// The member a row names: by email, then platform id, then phone, then WeChat ID.
pub fn find_existing(conn: &Connection, draft: &Draft, today: NaiveDate) -> Result<Option<Member>> {
    let candidates = [
        draft.email.as_deref().map(Identity::Email),
        draft
            .source
            .as_deref()
            .zip(draft.source_id.as_deref())
            .map(|(s, i)| Identity::Source(s, i)),
        draft.phone.as_deref().map(Identity::Phone),
        draft.wechat.as_deref().map(Identity::Wechat),
    ];
    for identity in candidates.into_iter().flatten() {
        if let Some(existing) = members::find_by(conn, identity, today)? {
            return Ok(Some(existing));
        }
    }
    Ok(None)
}

/// Remembers the identifiers a write gave a member (see `Applier::written`).
fn note_written(written: &mut Option<Fingerprints>, fields: &Fields) {
    let Some(set) = written else {
        return;
    };
    let fingerprints = Identifiers {
        email: fields.email.as_deref(),
        phone: fields.phone.as_deref(),
        wechat: fields.wechat.as_deref(),
        source: fields.source.as_deref().zip(fields.source_id.as_deref()),
    }
    .fingerprints();
    if set.reserve(fingerprints.iter().flatten().count()) {
        fingerprints
            .into_iter()
            .flatten()
            .for_each(|f| set.insert(f));
    } else {
        *written = None;
    }
}

/// The identifiers a row carries.
pub(crate) fn identifiers(draft: &Draft) -> Identifiers<'_> {
    Identifiers {
        email: draft.email.as_deref(),
        phone: draft.phone.as_deref(),
        wechat: draft.wechat.as_deref(),
        source: draft.source.as_deref().zip(draft.source_id.as_deref()),
    }
}

/// A new member's fields: what the row carries (taken out of it), defaults for the rest.
fn new_fields(settings: &Settings<'_>, draft: &mut Draft, tier: Option<String>) -> Fields {
    Fields {
        name: draft.name.take().unwrap_or_default(),
        email: draft.email.take(),
        phone: draft.phone.take(),
        wechat: draft.wechat.take(),
        source: draft.source.take(),
        source_id: draft.source_id.take(),
        tier: tier.unwrap_or_else(|| settings.default_tier.clone()),
        status: draft.status.unwrap_or(Status::Active),
        joined_at: draft.joined_at.unwrap_or(settings.today),
        // An import never invents an expiry: a platform that does not say, does not know.
        expires_at: draft.expires_at,
        left_at: draft.left_at,
        note: draft.note.take().filter(|n| !n.is_empty()),
    }
}

/// Overwrites the fields a row carries; what it does not carry stays.
fn apply_carried(fields: &mut Fields, draft: &Draft, tier: Option<String>) {
    fn set<T: Clone>(slot: &mut T, value: &Option<T>) {
        if let Some(v) = value {
            *slot = v.clone();
        }
    }
    fn set_some<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
        if value.is_some() {
            slot.clone_from(value);
        }
    }
    set(&mut fields.name, &draft.name);
    set_some(&mut fields.email, &draft.email);
    set_some(&mut fields.phone, &draft.phone);
    set_some(&mut fields.wechat, &draft.wechat);
    set_some(&mut fields.source, &draft.source);
    set_some(&mut fields.source_id, &draft.source_id);
    set(&mut fields.tier, &tier);
    set(&mut fields.status, &draft.status);
    set(&mut fields.joined_at, &draft.joined_at);
    set_some(&mut fields.expires_at, &draft.expires_at);
    set_some(&mut fields.left_at, &draft.left_at);
    set_some(
        &mut fields.note,
        &draft.note.clone().filter(|n| !n.is_empty()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn settings(config: &Config) -> Settings<'_> {
        Settings {
            config,
            tier_map: BTreeMap::from([("gold".to_string(), "pro".to_string())]),
            default_tier: "free".into(),
            on_conflict: OnConflict::Update,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            now: "2026-11-23T00:00:00Z".into(),
        }
    }

    fn draft(line: u64, email: &str) -> Draft {
        Draft {
            line,
            name: Some("A".into()),
            email: Some(email.into()),
            ..Draft::default()
        }
    }

    #[test]
    fn a_row_naming_an_existing_member_updates_only_what_it_carries() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        let mut first = draft(2, "li@example.com");
        first.note = Some("keep me".into());
        first.tags = Some(vec!["a".into()]);
        assert!(matches!(
            applier.apply(first.clone()).unwrap(),
            Ok(Outcome::Inserted(1))
        ));
        let mut second = draft(3, "LI@example.com");
        second.tier = Some("Gold".into());
        second.tags = Some(vec!["b".into()]);
        assert_eq!(
            applier.apply(second.clone()).unwrap(),
            Ok(Outcome::Updated(1))
        );
        assert_eq!(applier.repeats, 1);
        let member = members::get(&tx, 1, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(member.fields.tier, "pro");
        assert_eq!(member.fields.note.as_deref(), Some("keep me"));
        assert_eq!(member.tags, ["a", "b"]);
        assert_eq!(
            applier.apply(second.clone()).unwrap(),
            Ok(Outcome::Unchanged(1))
        );
    }

    /// A community with members, an applier over it, and what a lookup beside the writes
    /// would have found for `drafts` when the import began.
    fn looked_up_before(conn: &rusqlite::Connection, drafts: &[Draft]) -> Vec<Option<Member>> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        drafts
            .iter()
            .map(|d| find_existing(conn, d, today).unwrap())
            .collect()
    }

    /// The reading thread tells the fast path which rows are first to name their identifiers;
    /// a repeat it flags leaves the fast path and is matched, and once the answers are taken,
    /// a row without one is never admitted unasked (its repeat would break a unique index).
    #[test]
    fn the_fast_path_trusts_the_answers_taken_ahead_and_only_them() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        let mut seen = applier
            .take_first_seen()
            .expect("an empty community: the fast path");
        assert!(applier.take_first_seen().is_none(), "handed over once");
        let mut ahead = |draft: &Draft| Ahead {
            looked_up: None,
            first_in_file: Some(seen.first(identifiers(draft))),
        };
        let rows = [
            draft(2, "a@example.com"),
            draft(3, "b@example.com"),
            draft(4, "A@Example.com"),
        ];
        let told: Vec<Ahead> = rows.iter().map(&mut ahead).collect();
        assert_eq!(
            told.iter().map(|a| a.first_in_file).collect::<Vec<_>>(),
            [Some(true), Some(true), Some(false)]
        );
        let mut outcomes = Vec::new();
        let mut on_fast_path = Vec::new();
        for (row, ahead) in rows.into_iter().zip(told) {
            outcomes.push(applier.apply_ahead(row, ahead).unwrap().unwrap());
            on_fast_path.push(applier.bulk.is_some());
        }
        assert_eq!(
            outcomes,
            [
                Outcome::Inserted(1),
                Outcome::Inserted(2),
                Outcome::Updated(1)
            ]
        );
        assert_eq!(on_fast_path, [true, true, false]);
        applier.finish().unwrap();

        // Unasked after the hand-over: the row takes the row-by-row path, which matches.
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        let _taken = applier.take_first_seen();
        let first = applier.apply_ahead(draft(2, "a@example.com"), Ahead::default());
        assert_eq!(first.unwrap(), Ok(Outcome::Inserted(1)));
        assert!(applier.bulk.is_none(), "unasked, not admitted");
        let repeat = applier.apply_ahead(draft(3, "A@example.com"), Ahead::default());
        assert_eq!(repeat.unwrap(), Ok(Outcome::Updated(1)));
        applier.finish().unwrap();
    }

    /// The next of `looked_up_before`'s answers, as the lookup thread would hand it over.
    fn looked_up(before: &mut impl Iterator<Item = Option<Member>>) -> Ahead {
        Ahead {
            looked_up: before.next(),
            first_in_file: None,
        }
    }

    /// Imports one row into an empty community.
    fn seed(tx: &Transaction<'_>, config: &Config, row: Draft) {
        let mut applier = Applier::new(tx, settings(config), None).unwrap();
        applier.apply(row).unwrap().unwrap();
        applier.finish().unwrap();
    }

    #[test]
    fn a_lookup_made_before_is_not_used_for_a_member_this_run_changed() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let with_phone = |line, email: Option<&str>, phone: &str| Draft {
            email: email.map(str::to_string),
            phone: Some(phone.into()),
            ..draft(line, "unused@example.com")
        };
        seed(
            &tx,
            &config,
            with_phone(2, Some("a@example.com"), "13800000001"),
        );
        // The member gets a new phone; then a row names the old one alone.
        let moved = with_phone(2, Some("a@example.com"), "13800000002");
        let old_phone = with_phone(3, None, "13800000001");
        let before = looked_up_before(&tx, &[moved.clone(), old_phone.clone()]);
        assert_eq!(before[1].as_ref().map(|m| m.id), Some(1), "by phone, then");
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        assert!(applier.had_members());
        let mut before = before.into_iter();
        let first = applier.apply_ahead(moved, looked_up(&mut before));
        assert_eq!(first.unwrap(), Ok(Outcome::Updated(1)));
        // Nobody has that phone now: a new member, not member 1 given it back.
        let second = applier.apply_ahead(old_phone, looked_up(&mut before));
        assert_eq!(second.unwrap(), Ok(Outcome::Inserted(2)));
    }

    #[test]
    fn a_lookup_made_before_is_not_used_for_an_identifier_this_run_wrote() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut phone_only = draft(2, "unused@example.com");
        phone_only.email = None;
        phone_only.phone = Some("13800000000".into());
        seed(&tx, &config, phone_only);
        // A new member by email, then a row naming that email and the first member's phone.
        let new = draft(3, "new@example.com");
        let mut both = draft(4, "new@example.com");
        both.phone = Some("13800000000".into());
        let before = looked_up_before(&tx, &[new.clone(), both.clone()]);
        assert_eq!(before[1].as_ref().map(|m| m.id), Some(1), "by phone, then");
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        let mut before = before.into_iter();
        let inserted = applier.apply_ahead(new, looked_up(&mut before)).unwrap();
        assert_eq!(inserted, Ok(Outcome::Inserted(2)));
        // By email first, the row names member 2 now, whose phone would clash with member 1.
        let error = applier
            .apply_ahead(both, looked_up(&mut before))
            .unwrap()
            .unwrap_err();
        assert!(error.reason.starts_with("matches member 2"), "{error:?}");
    }

    /// Every table the import writes, in full, in a stable order.
    fn dump(conn: &rusqlite::Connection) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT * FROM members ORDER BY id",
            "SELECT * FROM member_tags ORDER BY member_id, tag",
            "SELECT * FROM points_ledger ORDER BY id",
            // A count that falls to zero keeps its row (migration 5); readers skip it.
            "SELECT * FROM rollup_members WHERE n <> 0 ORDER BY 1, 2, 3, 4",
            "SELECT * FROM rollup_tags WHERE n <> 0 ORDER BY 1, 2, 3, 4",
            "SELECT * FROM rollup_flows WHERE n <> 0 ORDER BY 1, 2, 3, 4",
            "SELECT name, sql FROM sqlite_schema ORDER BY name",
        ] {
            let mut stmt = conn.prepare(sql).unwrap();
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..columns)
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap();
            out.extend(rows.map(Result::unwrap));
        }
        out
    }

    proptest::proptest! {
        /// The fast path into an empty community (bulk.rs) and the row-by-row path leave the
        /// same database and report the same outcomes, whatever repeats, ids, tags and points
        /// the rows carry and wherever the first repeat falls.
        #[test]
        fn the_fast_path_ends_where_the_row_by_row_path_does(
            rows in proptest::collection::vec(
                (0..40u8, proptest::option::of(0..12u8), proptest::option::of(0..12u8),
                 proptest::option::of(1..60i64), 0..4u8, proptest::option::of(-5..5i64)),
                1..60,
            ),
            policy in proptest::sample::select(vec![OnConflict::Update, OnConflict::Skip, OnConflict::Error]),
        ) {
            let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
            let drafts: Vec<Draft> = rows
                .iter()
                .enumerate()
                .map(|(i, (email, phone, wechat, id, tags, points))| Draft {
                    line: i as u64 + 2,
                    id: *id,
                    name: Some(format!("n{i}")),
                    // Case differs between rows naming the same email: the index folds it.
                    email: Some(if i % 2 == 0 { format!("m{email}@x.org") } else { format!("M{email}@X.org") }),
                    phone: phone.map(|p| format!("1380000{p:04}")),
                    wechat: wechat.map(|w| format!("wx_{w}")),
                    tier: (i % 3 == 0).then(|| "Gold".to_string()),
                    status: [None, Some(Status::Paused), Some(Status::Cancelled), Some(Status::Expired)][i % 4],
                    joined_at: NaiveDate::from_ymd_opt(2025, 1 + (i % 12) as u32, 1),
                    // 9999-12-31 has no next day in SQLite: the rollups take another way.
                    expires_at: match i % 13 {
                        0 => NaiveDate::from_ymd_opt(9999, 12, 31),
                        _ if i % 5 == 0 => None,
                        _ => NaiveDate::from_ymd_opt(2026, 1 + (i % 7) as u32, 28),
                    },
                    // Left the day they joined: never had access, in no flow.
                    left_at: match i % 11 {
                        0 => NaiveDate::from_ymd_opt(2025, 1 + (i % 12) as u32, 1),
                        3 => NaiveDate::from_ymd_opt(2026, 3, 1),
                        _ => None,
                    },
                    tags: Some((0..*tags).map(|t| format!("t{t}")).collect()),
                    points: *points,
                    ..Draft::default()
                })
                .collect();
            let run = |fast: bool| {
                let mut conn = crate::db::memory();
                let tx = conn.transaction().unwrap();
                let mut s = settings(&config);
                s.on_conflict = policy;
                let mut applier = Applier::new(&tx, s, None).unwrap();
                if !fast {
                    applier = applier.row_by_row().unwrap();
                }
                let outcomes: Vec<_> = drafts.iter().map(|d| applier.apply(d.clone()).unwrap()).collect();
                let repeats = applier.repeats;
                applier.finish().unwrap();
                tx.commit().unwrap();
                (outcomes, repeats, dump(&conn))
            };
            proptest::prop_assert_eq!(run(true), run(false));
        }
    }

    /// More members than one flush holds (members::BULK_ROWS) and more tags than one statement
    /// takes (members::TAGS_MANY) go out over several flushes, each many statements sharing
    /// one prepared statement, and the end; the fast path still ends where the row-by-row path
    /// does.
    #[test]
    fn tags_over_many_statements_land_as_row_by_row() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let rows = 2 * crate::db::members::BULK_ROWS as u64 + 100;
        let drafts: Vec<Draft> = (0..rows)
            .map(|i| {
                let mut d = draft(i + 2, &format!("m{i}@example.com"));
                d.tags = Some((0..(i % 4)).map(|t| format!("t{t}")).collect());
                d
            })
            .collect();
        let run = |fast: bool| {
            let mut conn = crate::db::memory();
            let tx = conn.transaction().unwrap();
            let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
            if !fast {
                applier = applier.row_by_row().unwrap();
            }
            for d in &drafts {
                applier.apply(d.clone()).unwrap().unwrap();
            }
            applier.finish().unwrap();
            tx.commit().unwrap();
            dump(&conn)
        };
        let fast = run(true);
        assert!(fast.len() > 2 * crate::db::members::TAGS_MANY);
        assert_eq!(fast, run(false));
    }

    /// An id as large as SQLite allows costs nothing to remember (it once sized a bit set)
    /// and leaves no room for the next new id, which the row-by-row path then finds.
    #[test]
    fn the_largest_id_is_taken_as_given() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        let mut first = draft(2, "a@example.com");
        first.id = Some(i64::MAX);
        assert_eq!(
            applier.apply(first.clone()).unwrap(),
            Ok(Outcome::Inserted(i64::MAX))
        );
        let second = applier.apply(draft(3, "b@example.com")).unwrap();
        assert!(matches!(second, Ok(Outcome::Inserted(id)) if id != i64::MAX));
        applier.finish().unwrap();
        assert_eq!(members::count(&tx).unwrap(), 2);
    }

    #[test]
    fn unknown_tiers_are_counted_and_several_pick_the_highest() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut applier = Applier::new(&tx, settings(&config), None).unwrap();
        let mut row = draft(2, "a@example.com");
        row.tier = Some("Diamond".into());
        assert!(applier.apply(row.clone()).unwrap().is_err());
        assert!(applier.apply(row.clone()).unwrap().is_err());
        assert_eq!(applier.unknown_tiers.get("Diamond"), Some(&2));
        row.tier = Some("basic, Gold".into());
        assert_eq!(applier.tier(&row).unwrap().as_deref(), Some("pro"));
    }

    #[test]
    fn skip_and_error_policies_leave_members_alone() {
        let config = Config::parse(crate::config::EXAMPLE, Path::new("x")).unwrap();
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        let mut s = settings(&config);
        s.on_conflict = OnConflict::Skip;
        let mut applier = Applier::new(&tx, s, None).unwrap();
        applier.apply(draft(2, "a@example.com")).unwrap().unwrap();
        let mut changed = draft(3, "a@example.com");
        changed.name = Some("B".into());
        assert_eq!(
            applier.apply(changed.clone()).unwrap(),
            Ok(Outcome::Kept(1))
        );
        let mut s = settings(&config);
        s.on_conflict = OnConflict::Error;
        let mut strict = Applier::new(&tx, s, None).unwrap();
        assert!(strict.apply(changed.clone()).unwrap().is_err());
    }
}
