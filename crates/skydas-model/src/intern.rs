//! String interning: strings become dense `u32` ids early so that hot loops compare integers.
//!
//! All strings live in one arena; the table maps a 64-bit xxh3 hash to the first id with that
//! hash and chains the rare collisions, so interning costs one hash, one probe and one compare,
//! with no allocation per string.

use crate::hash::PrehashedMap;

/// An interned string id. Ids are dense, starting at 0, in insertion order.
pub type Sym = u32;

const NONE: u32 = u32::MAX;

/// An append-only interner. Lookups by id are O(1); inserting is one hash and one probe.
#[derive(Default, Clone)]
pub struct Interner {
    table: PrehashedMap<Sym>,
    /// Next id with the same hash, or `NONE`.
    chain: Vec<u32>,
    /// End offsets of each string in `arena`.
    ends: Vec<usize>,
    arena: String,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.len())
            .finish()
    }
}

fn hash(s: &str) -> u64 {
    crate::hash::xxh3(s)
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// An interner with room for `n` strings of `bytes` total length.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        Interner {
            table: PrehashedMap::with_capacity_and_hasher(n, Default::default()),
            chain: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
            arena: String::with_capacity(bytes),
        }
    }

    fn find(&self, h: u64, s: &str) -> Option<Sym> {
        let mut id = *self.table.get(&h)?;
        while id != NONE {
            if self.resolve(id) == s {
                return Some(id);
            }
            id = self.chain[id as usize];
        }
        None
    }

    /// Returns the id of `s`, inserting it if it is new.
    pub fn intern(&mut self, s: &str) -> Sym {
        let h = hash(s);
        if let Some(id) = self.find(h, s) {
            return id;
        }
        let id = Sym::try_from(self.ends.len()).expect("more than u32::MAX distinct strings");
        self.arena.push_str(s);
        self.ends.push(self.arena.len());
        let prev = self.table.insert(h, id).unwrap_or(NONE);
        self.chain.push(prev);
        id
    }

    /// Returns the id of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.find(hash(s), s)
    }

    /// Returns the string of an id. Panics on an id this interner never issued (a broken invariant).
    pub fn resolve(&self, id: Sym) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.arena[start..self.ends[i]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Sym, &str)> {
        (0..self.len() as Sym).map(|i| (i, self.resolve(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_dense() {
        let mut i = Interner::new();
        assert_eq!(i.intern("a"), 0);
        assert_eq!(i.intern("b"), 1);
        assert_eq!(i.intern("a"), 0);
        assert_eq!(i.intern(""), 2);
        assert_eq!(i.resolve(1), "b");
        assert_eq!(i.resolve(2), "");
        assert_eq!(i.get("c"), None);
        assert_eq!(i.len(), 3);
        let all: Vec<(Sym, &str)> = i.iter().collect();
        assert_eq!(all, vec![(0, "a"), (1, "b"), (2, "")]);
    }

    #[test]
    fn many_strings_round_trip() {
        let mut i = Interner::with_capacity(10, 10);
        let ids: Vec<Sym> = (0..20_000).map(|n| i.intern(&format!("s{n}"))).collect();
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(i.resolve(*id), format!("s{n}"));
            assert_eq!(i.get(&format!("s{n}")), Some(*id));
        }
    }
}
