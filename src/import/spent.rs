//! What the writes are done with, handed back to the thread that allocated it to be freed
//! there.
//!
//! An import's reading thread allocates every row's strings, and its writing thread is done
//! with them once they are bound. Freed where they were used, each went back to the reading
//! thread's share of the allocator (glibc's arena, or jemalloc's bins when this used it),
//! under the lock that thread takes to allocate the next rows, so the two threads queued on it.
//! Handed back a flush at a time, they are freed by the thread that allocated them, which
//! reuses the memory for the rows it reads next: a first import of a million members took 0.96
//! of the time with jemalloc, and this is what lets glibc's malloc keep up (README, "Import
//! and export speed").

use std::sync::mpsc::{Receiver, Sender, channel};

/// The writing side: [`Spent::give`] sends a value back, or drops it here when nothing listens.
#[derive(Default)]
pub struct Spent(Option<Sender<Box<dyn Send>>>);

/// The reading side: frees what came back.
pub struct Returned(Receiver<Box<dyn Send>>);

impl Spent {
    /// A connected pair: give on the writing thread, free on the reading one.
    pub fn channel() -> (Spent, Returned) {
        let (give, returned) = channel();
        (Spent(Some(give)), Returned(returned))
    }

    /// Sends `value` back to be freed by the other side; when that side is gone, frees it here.
    pub fn give<T: Send + 'static>(&self, value: T) {
        if let Some(give) = &self.0 {
            // A closed channel hands the value back inside the error, dropped here.
            let _ = give.send(Box::new(value));
        }
    }
}

impl Returned {
    /// Frees what has come back so far, without waiting for more.
    pub fn free(&self) {
        self.0.try_iter().for_each(drop);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn what_is_given_is_freed_by_the_other_side_or_here_once_it_is_gone() {
        let value = Arc::new(());
        let (spent, returned) = Spent::channel();
        spent.give(Arc::clone(&value));
        spent.give(vec![Arc::clone(&value); 3]);
        assert_eq!(
            Arc::strong_count(&value),
            5,
            "held in the channel until freed"
        );
        returned.free();
        assert_eq!(Arc::strong_count(&value), 1);

        drop(returned);
        spent.give(Arc::clone(&value));
        assert_eq!(
            Arc::strong_count(&value),
            1,
            "nothing listens: freed on the spot"
        );
        Spent::default().give(Arc::clone(&value));
        assert_eq!(Arc::strong_count(&value), 1);
    }
}
