//! The numbers a file has shown so far, for `DUPLICATE_IN_FILE`: a set of [`super::phone_key`]s in one array
//! (open addressing, linear probing), whose slot for a number can be fetched into the CPU cache while the row's
//! other work goes on. A 1M-row file's set is 16 MB, far larger than the cache: with a `HashSet`, each row
//! waited on one or two memory reads for its number (a tenth of the reading thread's time on the 1M-row
//! bench, measured with `perf`).

use crate::import::prefetch::prefetch;

/// A set of `u64` keys.
pub(super) struct SeenKeys {
    /// A power of two of slots, at most half of them used; 0 marks an empty slot.
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`: a key's home slot is the top bits of its Fibonacci hash.
    shift: u32,
    len: usize,
    /// Whether the key 0 (which marks empty slots) is in the set.
    has_zero: bool,
}

const MIN_SLOTS: usize = 16;

impl Default for SeenKeys {
    fn default() -> Self {
        SeenKeys::with_slots(MIN_SLOTS)
    }
}

impl SeenKeys {
    fn with_slots(slots: usize) -> Self {
        SeenKeys {
            slots: vec![0; slots],
            shift: 64 - slots.trailing_zeros(),
            len: 0,
            has_zero: false,
        }
    }

    /// Makes room for `keys` keys in all without growing.
    pub fn reserve(&mut self, keys: usize) {
        let wanted = keys.saturating_mul(2).max(MIN_SLOTS).next_power_of_two();
        if wanted > self.slots.len() {
            self.regrow(wanted);
        }
    }

    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(super::FIBONACCI) >> self.shift) as usize
    }

    /// Starts fetching `key`'s slot into the cache, for an [`SeenKeys::insert`] of it a little later.
    pub fn prefetch(&self, key: u64) {
        if let Some(slot) = self.slots.get(self.home(key)) {
            prefetch(slot);
        }
    }

    /// Adds `key`; false if it was there already.
    pub fn insert(&mut self, key: u64) -> bool {
        if key == 0 {
            return !std::mem::replace(&mut self.has_zero, true);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                0 => break,
                k if k == key => return false,
                _ => i = (i + 1) & mask,
            }
        }
        self.slots[i] = key;
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.regrow(self.slots.len() * 2);
        }
        true
    }

    fn regrow(&mut self, slots: usize) {
        let old = std::mem::replace(self, SeenKeys::with_slots(slots));
        self.has_zero = old.has_zero;
        for key in old.slots.into_iter().filter(|k| *k != 0) {
            self.insert(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The set answers as a `HashSet` does, through growth, with keys that share home slots, and with 0.
        #[test]
        fn inserts_answer_as_a_hash_set_does(
            keys in prop::collection::vec(prop_oneof![0u64..64, any::<u64>()], 0..2000),
            reserved in 0usize..3000,
        ) {
            let (mut seen, mut reference) = (SeenKeys::default(), HashSet::new());
            seen.reserve(reserved);
            for k in keys {
                seen.prefetch(k);
                prop_assert_eq!(seen.insert(k), reference.insert(k), "key {}", k);
            }
        }
    }

    #[test]
    fn reserving_makes_room_without_growing() {
        let mut seen = SeenKeys::default();
        seen.reserve(1000);
        let slots = seen.slots.len();
        assert!(slots >= 2000);
        for k in 1..=1000 {
            assert!(seen.insert(k));
        }
        assert_eq!(seen.slots.len(), slots);
        assert!(!seen.insert(500));
    }
}
