//! String interning: strings become dense `u32` ids early so that hot loops compare integers.

use std::collections::HashMap;

/// An interned string id. Ids are dense, starting at 0, in insertion order.
pub type Sym = u32;

/// A simple append-only interner. Lookups by id are O(1); inserting is one hash lookup.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    map: HashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the id of `s`, inserting it if it is new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = Sym::try_from(self.strings.len()).expect("more than u32::MAX distinct strings");
        let b: Box<str> = s.into();
        self.strings.push(b.clone());
        self.map.insert(b, id);
        id
    }

    /// Returns the id of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// Returns the string of an id. Panics on an id this interner never issued (a broken invariant).
    pub fn resolve(&self, id: Sym) -> &str {
        &self.strings[id as usize]
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Sym, &str)> {
        self.strings
            .iter()
            .enumerate()
            .map(|(i, s)| (i as Sym, &**s))
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
        assert_eq!(i.resolve(1), "b");
        assert_eq!(i.get("c"), None);
        assert_eq!(i.len(), 2);
    }
}
