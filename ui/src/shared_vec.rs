//! An append-only vector whose snapshots are O(1) to clone and compare.
//!
//! The timeline receives records in batches every ~50 ms and may hold 50k+ of them. Each
//! reducer step produces a new `State`; cloning a `Vec` of summaries per batch would be
//! quadratic. A [`SharedVec`] is a shared buffer plus the length this snapshot sees: appending
//! to the newest snapshot pushes into the shared buffer, and older snapshots keep seeing
//! their own (unchanged) prefix.

use std::cell::RefCell;
use std::rc::Rc;

pub struct SharedVec<T> {
    buf: Rc<RefCell<Vec<T>>>,
    len: usize,
}

impl<T> SharedVec<T> {
    pub fn new() -> Self {
        SharedVec { buf: Rc::new(RefCell::new(Vec::new())), len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many items the shared buffer has room for.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.buf.borrow().capacity()
    }

    /// Runs `f` over the items this snapshot sees.
    pub fn with<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        f(&self.buf.borrow()[..self.len])
    }

    /// A snapshot with `items` appended. O(items) when `self` is the newest snapshot of its
    /// buffer (the normal case); otherwise the prefix is copied so no other snapshot changes.
    pub fn appended(&self, items: impl IntoIterator<Item = T>) -> Self
    where
        T: Clone,
    {
        let newest = self.buf.borrow().len() == self.len;
        if newest {
            let mut buf = self.buf.borrow_mut();
            buf.extend(items);
            SharedVec { buf: Rc::clone(&self.buf), len: buf.len() }
        } else {
            let mut copy = self.buf.borrow()[..self.len].to_vec();
            copy.extend(items);
            let len = copy.len();
            SharedVec { buf: Rc::new(RefCell::new(copy)), len }
        }
    }
}

impl<T> From<Vec<T>> for SharedVec<T> {
    fn from(v: Vec<T>) -> Self {
        let len = v.len();
        SharedVec { buf: Rc::new(RefCell::new(v)), len }
    }
}

impl<T> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec::new()
    }
}

impl<T> Clone for SharedVec<T> {
    fn clone(&self) -> Self {
        SharedVec { buf: Rc::clone(&self.buf), len: self.len }
    }
}

/// Identity, not contents: two snapshots are equal when they see the same prefix of the same
/// buffer. That is what re-rendering needs, and it is O(1).
impl<T> PartialEq for SharedVec<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.buf, &other.buf) && self.len == other.len
    }
}

impl<T> std::fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedVec").field("len", &self.len).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_to_newest_snapshot_shares_the_buffer_and_keeps_old_views() {
        let a = SharedVec::from(vec![1, 2]);
        let b = a.appended([3]);
        assert_eq!(a.len(), 2);
        assert_eq!(b.len(), 3);
        assert!(Rc::ptr_eq(&a.buf, &b.buf));
        a.with(|s| assert_eq!(s, &[1, 2]));
        b.with(|s| assert_eq!(s, &[1, 2, 3]));
        assert_ne!(a, b);
        assert_eq!(b, b.clone());
    }

    #[test]
    fn appending_to_an_older_snapshot_branches_without_touching_others() {
        let a = SharedVec::from(vec![1]);
        let b = a.appended([2]);
        let c = a.appended([9]);
        b.with(|s| assert_eq!(s, &[1, 2]));
        c.with(|s| assert_eq!(s, &[1, 9]));
        a.with(|s| assert_eq!(s, &[1]));
    }
}
