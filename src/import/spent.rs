//! What the fast path's writes are done with, handed back to the import's reading thread,
//! which counts it for the rollups and frees it.
//!
//! Counting. A first import suspends the rollup triggers and counts the new members in memory
//! instead (`rollups::NewMembers`): a few hash-map updates a member, most of them cache misses
//! on maps of tens of thousands of keys. On the writing thread, the import's bottleneck while
//! rows load, that was about 4 % of a million-member import; the reading thread, idle a third
//! of the time, counts the members as they come back instead, on its own core and caches.
//! Whatever it has not counted when the writes end (the last flushes, after it stopped
//! reading), the writing thread counts itself ([`Spent::counted`]).
//!
//! Freeing. The reading thread allocates every row's strings, and the writing thread is done
//! with them once they are bound. Freed where they were used, each went back to the reading
//! thread's share of the allocator (glibc's arena, or jemalloc's bins when this used it),
//! under the lock that thread takes to allocate the next rows, so the two threads queued on it.
//! Handed back a flush at a time, they are freed by the thread that allocated them, which
//! reuses the memory for the rows it reads next: a first import of a million members took 0.96
//! of the time with jemalloc, and this is what lets glibc's malloc keep up (README, "Import
//! and export speed").

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::db::members::{self, NewMember};
use crate::db::rollups::NewMembers;

/// What one flush of the fast path wrote.
#[derive(Debug, Default)]
pub struct Written {
    pub members: Vec<NewMember>,
    /// How many of the tags each of `members` has: the tags of all flushes, in order, are
    /// those of all members, in order.
    pub tag_counts: Vec<usize>,
    /// The tags this flush wrote, as (member id, tag). A flush writes whole statements of
    /// tags only, so the first may be of members of an earlier flush, and the last of
    /// `members` may come with a later one.
    pub tags: Vec<(i64, String)>,
    /// Imported points balances: (member id, points, stamp).
    pub points: Vec<(i64, i64, String)>,
}

impl Written {
    /// Nothing yet, with room for a flush's members.
    pub fn for_a_flush() -> Written {
        Written {
            members: Vec::with_capacity(members::BULK_ROWS),
            tag_counts: Vec::with_capacity(members::BULK_ROWS),
            ..Written::default()
        }
    }
}

/// The writing side: [`Spent::give`] hands a flush back, or counts and frees it here when
/// nothing listens.
#[derive(Default)]
pub struct Spent {
    give: Option<Sender<Written>>,
    counting: Arc<Mutex<Counting>>,
}

/// The reading side: counts and frees what came back.
pub struct Returned {
    counting: Arc<Mutex<Counting>>,
}

/// The count so far, and what has come back to be counted. Behind a lock that the reading
/// thread only tries, so it never waits on the writes.
#[derive(Default)]
struct Counting {
    /// `None` when nothing listens: then `give` counts on the spot.
    received: Option<Receiver<Written>>,
    tally: Tally,
}

impl Spent {
    /// A connected pair: give on the writing thread, count and free on the reading one.
    pub fn channel() -> (Spent, Returned) {
        let (give, received) = channel();
        let counting = Arc::new(Mutex::new(Counting {
            received: Some(received),
            tally: Tally::default(),
        }));
        let returned = Returned {
            counting: Arc::clone(&counting),
        };
        (
            Spent {
                give: Some(give),
                counting,
            },
            returned,
        )
    }

    /// Hands what a flush wrote back to be counted and freed by the other side; without one,
    /// counts and frees it here.
    pub fn give(&self, written: Written) {
        match &self.give {
            // The receiving end lives in `counting`, which this holds, so the send does not
            // fail; were it to, the flush is counted here rather than lost.
            Some(give) => {
                if let Err(unsent) = give.send(written) {
                    lock(&self.counting).tally.count(unsent.0);
                }
            }
            None => lock(&self.counting).tally.count(written),
        }
    }

    /// The members of everything given so far, counted: waits for the other side to finish
    /// the flush it may be counting, counts what it has not, and starts afresh.
    pub fn counted(&self) -> NewMembers {
        let mut counting = lock(&self.counting);
        counting.count_received();
        counting.tally.take()
    }
}

impl Returned {
    /// Counts and frees what has come back so far, without waiting for more, nor for the
    /// writes when they are taking the count (what is left is then theirs).
    pub fn count_and_free(&self) {
        if let Ok(mut counting) = self.counting.try_lock() {
            counting.count_received();
        }
    }
}

impl Counting {
    fn count_received(&mut self) {
        let Counting { received, tally } = self;
        if let Some(received) = received {
            received.try_iter().for_each(|written| tally.count(written));
        }
    }
}

/// A panic while counting fails the import (its thread's join reports it); the lock is only
/// taken again to free what is left.
fn lock(counting: &Mutex<Counting>) -> MutexGuard<'_, Counting> {
    counting.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Members counted for the rollups as their flushes come back, each with all its tags.
#[derive(Default)]
struct Tally {
    counted: NewMembers,
    /// Members whose last tags are still to come with a later flush, oldest first, with
    /// those that came and how many are still to come. A flush carries fewer than a
    /// statement's worth of tags, so these are few.
    waiting: VecDeque<(NewMember, Vec<String>, usize)>,
}

impl Tally {
    fn count(&mut self, written: Written) {
        let Written {
            members,
            tag_counts,
            tags,
            points: _,
        } = written;
        let mut tags = &tags[..];
        // The first tags are of the members still waiting for theirs.
        while let Some((_, theirs, left)) = self.waiting.front_mut() {
            let (some, rest) = tags.split_at((*left).min(tags.len()));
            theirs.extend(some.iter().map(|(_, tag)| tag.clone()));
            *left -= some.len();
            tags = rest;
            if *left > 0 {
                break;
            }
            if let Some((member, theirs, _)) = self.waiting.pop_front() {
                let theirs = theirs.iter().map(String::as_str);
                self.counted.add(member.id, &member.fields, theirs);
            }
        }
        // Then those of this flush's members. While some wait, no tags are left, and only
        // members without tags can be counted now (in what order does not matter).
        for (member, n) in members.into_iter().zip(tag_counts) {
            if n <= tags.len() {
                let (own, rest) = tags.split_at(n);
                let own = own.iter().map(|(_, tag)| tag.as_str());
                self.counted.add(member.id, &member.fields, own);
                tags = rest;
            } else {
                let some = tags.iter().map(|(_, tag)| tag.clone()).collect::<Vec<_>>();
                tags = &[];
                let left = n - some.len();
                self.waiting.push_back((member, some, left));
            }
        }
        debug_assert!(tags.is_empty(), "every tag written is of a member written");
    }

    /// The count, once every member's tags have come; then starts afresh.
    fn take(&mut self) -> NewMembers {
        debug_assert!(self.waiting.is_empty(), "tags still to come");
        std::mem::take(&mut self.counted)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::db::members::Fields;
    use crate::member::Status;

    fn member(id: i64, tier: &str) -> NewMember {
        NewMember {
            id,
            fields: Fields {
                name: format!("m{id}"),
                email: Some(format!("m{id}@example.com")),
                phone: None,
                wechat: None,
                source: None,
                source_id: None,
                tier: tier.into(),
                status: Status::Active,
                joined_at: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day"),
                expires_at: None,
                left_at: None,
                note: None,
            },
            created_at: None,
            updated_at: None,
        }
    }

    fn tags(pairs: &[(i64, &str)]) -> Vec<(i64, String)> {
        pairs.iter().map(|&(id, t)| (id, t.to_string())).collect()
    }

    /// The same members, counted as one call each with all their tags at hand.
    fn counted_at_once(members: &[(NewMember, &[&str])]) -> NewMembers {
        let mut counted = NewMembers::default();
        for (m, t) in members {
            counted.add(m.id, &m.fields, t.iter().copied());
        }
        counted
    }

    /// What a count adds to the rollups of an empty community, row by row.
    fn rollups(mut counted: NewMembers) -> Vec<String> {
        let mut conn = crate::db::memory();
        let tx = conn.transaction().unwrap();
        counted.write(&tx).unwrap();
        let sql = "SELECT 'members', tier, quote(source), status, expires_month, n FROM rollup_members \
                   UNION ALL SELECT 'tags', tag, tier, status, expires_month, n FROM rollup_tags \
                   UNION ALL SELECT 'flows', joined_month, ended_month, tier, quote(source), n \
                   FROM rollup_flows ORDER BY 1, 2, 3, 4, 5";
        let mut stmt = tx.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| {
            (0..6)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|row| row.join(" "))
        });
        rows.unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn tags_carried_to_later_flushes_are_counted_with_their_members() {
        // Member 2's tags straddle the first two flushes; member 3's wait through a flush that
        // carries no tags at all; member 4 has none, counted while 3 still waits.
        let flushes = [
            Written {
                members: vec![member(1, "free"), member(2, "pro")],
                tag_counts: vec![1, 3],
                tags: tags(&[(1, "a"), (2, "b")]),
                points: vec![],
            },
            Written {
                members: vec![member(3, "pro"), member(4, "free")],
                tag_counts: vec![2, 0],
                tags: tags(&[(2, "B"), (2, "c")]),
                points: vec![],
            },
            Written::default(),
            Written {
                members: vec![member(5, "free")],
                tag_counts: vec![1],
                tags: tags(&[(3, "a"), (3, "d"), (5, "e")]),
                points: vec![],
            },
        ];
        let mut tally = Tally::default();
        for written in flushes {
            tally.count(written);
        }
        let expected = counted_at_once(&[
            (member(1, "free"), &["a"]),
            (member(2, "pro"), &["b", "B", "c"]),
            (member(3, "pro"), &["a", "d"]),
            (member(4, "free"), &[]),
            (member(5, "free"), &["e"]),
        ]);
        let (got, expected) = (rollups(tally.take()), rollups(expected));
        assert_eq!(got, expected);
        assert!(
            expected
                .iter()
                .any(|row| row.starts_with(r#"Text("tags") Text("b")"#)),
            "the first spelling of b, once: {expected:#?}"
        );
    }

    #[test]
    fn what_is_given_is_counted_once_whichever_side_counts_it() {
        let flush = |id| Written {
            members: vec![member(id, "free")],
            tag_counts: vec![1],
            tags: tags(&[(id, "a")]),
            points: vec![],
        };
        let expected = |ids: &[i64]| {
            let members: Vec<_> = ids
                .iter()
                .map(|&id| (member(id, "free"), &["a"][..]))
                .collect();
            rollups(counted_at_once(&members))
        };
        let (spent, returned) = Spent::channel();
        spent.give(flush(1));
        returned.count_and_free();
        spent.give(flush(2));
        drop(returned);
        spent.give(flush(3));
        assert_eq!(
            rollups(spent.counted()),
            expected(&[1, 2, 3]),
            "what the other side counted, and what it left"
        );
        let alone = Spent::default();
        alone.give(flush(4));
        assert_eq!(rollups(alone.counted()), expected(&[4]));
    }
}
