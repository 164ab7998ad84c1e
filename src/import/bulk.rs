//! The fast path of a member import into a community with no members yet: most first imports,
//! and every restore from `member export`.
//!
//! What makes a large import slow is growing the members indexes (four unique, five others)
//! row by row: each row lands on a random page of each, and a table of a million members does
//! not fit in the page cache. Into an empty table nothing can match an existing member, so the
//! only matches are rows of the file naming a member an earlier row named. This path drops the
//! indexes of members and member_tags, writes rows many to a statement with the ids SQLite
//! would give them (one more than the largest so far), remembers a 64-bit fingerprint of each
//! identifier (`FirstSeen`, on the import's reading thread, a batch ahead of the writes), and
//! builds the indexes once at the end from sorted data. The rollup triggers
//! (migration 5) are suspended with the indexes; the new members are counted in memory, on the
//! reading thread as the flushes come back (`import::spent`), and added to the rollups in a
//! few statements (`rollups::NewMembers`).
//!
//! The first row with an identifier seen before (or more identifiers than the fingerprint
//! table may hold) ends the fast path: what is pending is written, the indexes are built on it,
//! and that row and the rest take the row-by-row path of `apply`, which matches and merges.
//! Either way the database ends the same; tests hold the two paths to it.

use std::hash::{BuildHasher, Hasher};

use anyhow::{Context as _, Result};
use rusqlite::Transaction;

use crate::db::members::{self, Fields, NewMember};
use crate::import::spent::{Spent, Written};

/// Slots of the fingerprint table at most: 8 bytes each, so 24 MiB, enough for 2.4 million
/// identifiers (a million members with an email each, half with a phone, ...). Past that the
/// rest of the file takes the row-by-row path, so memory stays bounded whatever the file size.
const MAX_SLOTS: usize = 3 << 20;
/// The table is sized from the input's size when known: one slot per this many bytes is room
/// for about two identifiers per 100-byte row at a load of three quarters.
const BYTES_PER_SLOT: u64 = 36;
/// Without a size (stdin), or for a small file, the table starts with this many slots.
pub(super) const MIN_SLOTS: usize = 1 << 16;

/// The fast path's state between rows.
pub struct Bulk {
    /// The identifiers of the rows so far, unless the reading thread took them to answer
    /// [`FirstSeen::first`] ahead of the writes (`take_first_seen`).
    seen: Option<FirstSeen>,
    /// The largest id written so far; the next member without one of its own gets one more.
    last_id: i64,
    /// What the next flush writes.
    pending: Written,
    /// What rebuilds the dropped indexes and triggers.
    indexes: Vec<String>,
    stamp: String,
    /// Where what was written goes to be counted for the rollups (whose triggers are
    /// suspended) and freed (`Applier::give_spent_to`).
    pub(super) spent: Spent,
}

/// A row for a new member, as `apply` has mapped it.
pub struct Row {
    pub fields: Fields,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub tags: Vec<String>,
    /// An imported points balance and its stamp.
    pub points: Option<(i64, String)>,
}

/// The identifiers of a row, as the unique indexes compare them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identifiers<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub wechat: Option<&'a str>,
    /// Platform and the member's id there.
    pub source: Option<(&'a str, &'a str)>,
}

impl Bulk {
    /// Starts the fast path; the caller has made sure the community has no members. Drops the
    /// indexes of members and member_tags still there (inside `tx`, so a rollback brings them
    /// back). `input_size` sizes the fingerprint table.
    pub fn start(tx: &Transaction<'_>, input_size: Option<u64>, stamp: &str) -> Result<Bulk> {
        crate::db::set_cache(tx, Some(crate::db::BULK_CACHE_KIB))?;
        Ok(Bulk {
            seen: Some(FirstSeen::for_input(input_size)),
            last_id: 0,
            pending: Written::for_a_flush(),
            indexes: members::suspend_for_bulk_load(tx)?,
            stamp: stamp.to_string(),
            spent: Spent::default(),
        })
    }

    /// Hands over what tells rows first to name their identifiers from the others, for the
    /// caller to ask [`FirstSeen::first`] of every row, in file order, before `admit`.
    pub fn take_first_seen(&mut self) -> Option<FirstSeen> {
        self.seen.take()
    }

    /// Admits a new member with these identifiers and gives its id: `own_id` (the row's own,
    /// unless an earlier row took it) or one past the largest so far. `first_in_file` is what
    /// [`FirstSeen::first`] said of the row, when the caller took it (`take_first_seen`).
    /// `None` when the row must leave the fast path: an identifier seen before (or not known
    /// to be new), or no room left. An admitted row goes to `add` next.
    pub fn admit(
        &mut self,
        ids: Identifiers<'_>,
        first_in_file: Option<bool>,
        own_id: Option<i64>,
    ) -> Option<i64> {
        let first =
            first_in_file.unwrap_or_else(|| self.seen.as_mut().is_some_and(|seen| seen.first(ids)));
        if !first {
            return None;
        }
        let id = match own_id {
            Some(id) => id,
            // SQLite picks at random past the largest id; the row-by-row path can do that.
            None if self.last_id == i64::MAX => return None,
            None => self.last_id + 1,
        };
        self.last_id = self.last_id.max(id);
        Some(id)
    }

    /// Takes the member `admit` gave `id`.
    pub fn add(&mut self, tx: &Transaction<'_>, id: i64, row: Row) -> Result<()> {
        let pending = &mut self.pending;
        pending.tag_counts.push(row.tags.len());
        pending.tags.extend(row.tags.into_iter().map(|t| (id, t)));
        if let Some((points, at)) = row.points {
            pending.points.push((id, points, at));
        }
        pending.members.push(NewMember {
            id,
            fields: row.fields,
            created_at: row.created_at,
            updated_at: row.updated_at,
        });
        if pending.members.len() == members::BULK_ROWS {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes what is pending and rebuilds the indexes: the end of the fast path, at the end of
    /// the file or before a row that must take the row-by-row path.
    pub fn finish(mut self, tx: &Transaction<'_>) -> Result<()> {
        self.flush(tx)?;
        let rest = std::mem::take(&mut self.pending.tags);
        members::insert_tags_many(tx, &rest)?;
        self.spent.give(Written {
            tags: rest,
            ..Written::default()
        });
        self.spent.counted().write(tx)?;
        drop(self.seen.take());
        members::restore_indexes(tx, &self.indexes)
            .context("rebuilding the members indexes after a bulk load")
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let pending = &mut self.pending;
        members::insert_many(tx, &pending.members, &self.stamp)?;
        // Whole statements only: the rest waits for the next flush (or `finish`), so that one
        // prepared statement serves them all.
        let whole = pending.tags.len() - pending.tags.len() % members::TAGS_MANY;
        members::insert_tags_many(tx, &pending.tags[..whole])?;
        for (id, points, at) in &pending.points {
            members::insert_points(tx, *id, *points, "imported balance", at)?;
        }
        let rest = pending.tags.split_off(whole);
        let written = std::mem::replace(pending, Written::for_a_flush());
        pending.tags = rest;
        self.spent.give(written);
        Ok(())
    }
}

impl Identifiers<'_> {
    /// One fingerprint per identifier present, each salted with its kind. Email and WeChat ID
    /// are compared as their indexes do (COLLATE NOCASE: ASCII letters folded), so equal values
    /// always give equal fingerprints; unequal ones may too, rarely, which only ends the fast
    /// path early. Hashed with foldhash's better-mixing variant (`Fingerprints` places them by
    /// their high bits), not std's SipHash, at a third of the instructions: nothing here is a
    /// secret, and a collision crafted into a file costs the fast path, never correctness.
    pub(super) fn fingerprints(&self) -> [Option<u64>; 4] {
        let hash = |kind: u8, parts: &[&str], fold: bool| {
            let mut h = foldhash::quality::FixedState::default().build_hasher();
            h.write_u8(kind);
            for part in parts {
                if fold {
                    let mut folded = [0; 64];
                    for chunk in part.as_bytes().chunks(folded.len()) {
                        let folded = &mut folded[..chunk.len()];
                        folded.copy_from_slice(chunk);
                        folded.make_ascii_lowercase();
                        h.write(folded);
                    }
                } else {
                    h.write(part.as_bytes());
                }
                h.write_u8(0xff); // never in UTF-8: separates the parts
            }
            h.finish()
        };
        [
            self.email.map(|e| hash(1, &[e], true)),
            self.phone.map(|p| hash(2, &[p], false)),
            self.wechat.map(|w| hash(3, &[w], true)),
            self.source.map(|(s, id)| hash(4, &[s, id], false)),
        ]
    }
}

/// Tells the rows that are first in the file to name each of their identifiers from those
/// naming one an earlier row named: the question the fast path asks of every row. Asked by
/// the import's reading thread, a batch ahead of the writes, or by `Bulk::admit` itself.
pub struct FirstSeen {
    seen: Fingerprints,
}

impl FirstSeen {
    /// Sized for an input of `input_size` bytes (when known).
    pub fn for_input(input_size: Option<u64>) -> FirstSeen {
        let slots = input_size.map_or(MIN_SLOTS, |bytes| {
            usize::try_from(bytes / BYTES_PER_SLOT).unwrap_or(MAX_SLOTS)
        });
        FirstSeen {
            seen: Fingerprints::with_slots(slots.clamp(MIN_SLOTS, MAX_SLOTS)),
        }
    }

    /// Whether no row asked about before named any of `ids`; remembers them if so. False as
    /// well when the table is full: the rest of the file takes the row-by-row path, so memory
    /// stays bounded. Rows that are never admitted (rejected, or past the fast path) may be
    /// asked too: a false "seen" only ends the fast path early.
    pub fn first(&mut self, ids: Identifiers<'_>) -> bool {
        let fingerprints = ids.fingerprints();
        if fingerprints
            .iter()
            .flatten()
            .any(|f| self.seen.contains(*f))
        {
            return false;
        }
        if !self.seen.reserve(fingerprints.iter().flatten().count()) {
            return false;
        }
        for fingerprint in fingerprints.into_iter().flatten() {
            self.seen.insert(fingerprint);
        }
        true
    }
}

/// A set of 64-bit fingerprints: open addressing with linear probing, 8 bytes a slot, no
/// more than three quarters full. (A std HashSet<u64> takes 9 bytes a slot and rounds the
/// slots up to a power of two: up to twice this for the same identifiers.)
pub(super) struct Fingerprints {
    /// 0 is an empty slot; a fingerprint of 0 is stored as 1.
    slots: Vec<u64>,
    len: usize,
}

impl Fingerprints {
    pub(super) fn with_slots(n: usize) -> Fingerprints {
        Fingerprints {
            slots: vec![0; n.max(8)],
            len: 0,
        }
    }

    /// Makes room for `more` fingerprints, growing up to `MAX_SLOTS`; false when it cannot.
    pub(super) fn reserve(&mut self, more: usize) -> bool {
        let needed = self.len + more;
        if needed * 4 <= self.slots.len() * 3 {
            return true;
        }
        let grown = (self.slots.len() * 2).min(MAX_SLOTS);
        if needed * 4 > grown * 3 {
            return false;
        }
        let old = std::mem::replace(&mut self.slots, vec![0; grown]);
        self.len = 0;
        for fingerprint in old.into_iter().filter(|f| *f != 0) {
            self.insert(fingerprint);
        }
        true
    }

    pub(super) fn contains(&self, fingerprint: u64) -> bool {
        let fingerprint = fingerprint.max(1);
        let mut i = self.home(fingerprint);
        loop {
            match self.slots[i] {
                0 => return false,
                f if f == fingerprint => return true,
                _ => i = self.after(i),
            }
        }
    }

    /// Adds a fingerprint; the caller has reserved room.
    pub(super) fn insert(&mut self, fingerprint: u64) {
        let fingerprint = fingerprint.max(1);
        let mut i = self.home(fingerprint);
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = fingerprint;
                    self.len += 1;
                    return;
                }
                f if f == fingerprint => return,
                _ => i = self.after(i),
            }
        }
    }

    /// The slot after `i`, the last followed by the first (without a division per probe).
    fn after(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() { 0 } else { i + 1 }
    }

    /// The first slot to look in: the fingerprint scaled to the table (no power of two needed).
    fn home(&self, fingerprint: u64) -> usize {
        let scaled = (u128::from(fingerprint) * self.slots.len() as u128) >> 64;
        usize::try_from(scaled).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_remember_what_was_added_and_grow_to_their_limit() {
        let mut set = Fingerprints::with_slots(8);
        for f in 0..1000u64 {
            assert!(!set.contains(f * 7919), "{f}");
            assert!(set.reserve(1));
            set.insert(f * 7919);
            assert!(set.contains(f * 7919));
        }
        assert_eq!(set.len, 1000);
        assert!(set.slots.len() >= 1334);
        // 0 and 1 share a slot value; a false "seen" only ends the fast path early.
        assert!(set.contains(0));
        let mut full = Fingerprints::with_slots(MAX_SLOTS);
        full.len = MAX_SLOTS * 3 / 4;
        assert!(!full.reserve(1));
    }

    #[test]
    fn fingerprints_placed_at_the_last_slot_wrap_round_to_the_first() {
        let mut set = Fingerprints::with_slots(8);
        // The largest fingerprints all start at the last slot; the later ones go round.
        let last = [u64::MAX, u64::MAX - 1, u64::MAX - 2, u64::MAX - 3];
        for f in last {
            assert!(set.reserve(1));
            set.insert(f);
        }
        assert_eq!(&set.slots[..3], &last[1..]);
        assert!(last.iter().all(|&f| set.contains(f)));
        assert!(
            !set.contains(u64::MAX - 4),
            "a miss stops at the first empty slot"
        );
    }

    #[test]
    fn identifiers_compare_as_the_unique_indexes_do() {
        let fp = |ids: Identifiers<'_>| ids.fingerprints();
        let email = |e| Identifiers {
            email: Some(e),
            ..Identifiers::default()
        };
        assert_eq!(fp(email("Li@Example.com")), fp(email("li@example.com")));
        // NOCASE folds ASCII only, so must the fingerprint: É and é are two emails.
        assert_ne!(fp(email("É@example.com")), fp(email("é@example.com")));
        let wechat = Identifiers {
            wechat: Some("li@example.com"),
            ..Identifiers::default()
        };
        assert_ne!(fp(email("li@example.com"))[0], fp(wechat)[2]);
        let source = |s, id| Identifiers {
            source: Some((s, id)),
            ..Identifiers::default()
        };
        assert_ne!(fp(source("ab", "c")), fp(source("a", "bc")));
        let phone = |p| Identifiers {
            phone: Some(p),
            ..Identifiers::default()
        };
        assert_ne!(fp(phone("13800000000")), fp(phone("+8613800000000")));
    }
}
