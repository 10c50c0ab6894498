//! Findings as the JSON API writes them, kept between requests: a page of large networks is
//! megabytes, and parsing the stored JSON and writing it again was most of the list's cost.
//! An entry is used only while the stored JSON is byte for byte the one it was made from, so a
//! re-analysis or another backend's form can never be served stale.

use std::collections::HashMap;
use std::sync::Arc;

/// At most this many bytes (stored JSON and output together) are kept; past it the cache
/// starts again empty.
const MAX_BYTES: usize = 256 << 20;

#[derive(Debug, Default)]
pub struct FindingJson {
    entries: HashMap<String, (String, Arc<Vec<u8>>)>,
    bytes: usize,
}

impl FindingJson {
    /// The API's JSON of the finding `id` whose stored JSON is `body`, when it was made before.
    pub fn get(&self, id: &str, body: &str) -> Option<Arc<Vec<u8>>> {
        self.entries
            .get(id)
            .filter(|(b, _)| b == body)
            .map(|(_, out)| Arc::clone(out))
    }

    /// Keeps `out`, made from `body`.
    pub fn put(&mut self, id: &str, body: String, out: Arc<Vec<u8>>) {
        let size = body.len() + out.len();
        if self.bytes + size > MAX_BYTES {
            self.entries.clear();
            self.bytes = 0;
        }
        if size <= MAX_BYTES {
            self.bytes += size;
            if let Some((b, o)) = self.entries.insert(id.to_string(), (body, out)) {
                self.bytes -= b.len() + o.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_the_body_it_was_made_from() {
        let mut c = FindingJson::default();
        c.put("co-1", "{\"a\":1}".into(), Arc::new(b"A".to_vec()));
        assert_eq!(c.get("co-1", "{\"a\":1}").as_deref(), Some(&b"A".to_vec()));
        assert!(
            c.get("co-1", "{\"a\":2}").is_none(),
            "a changed body is not served stale"
        );
        assert!(c.get("co-2", "{\"a\":1}").is_none());
        c.put("co-1", "{\"a\":2}".into(), Arc::new(b"B".to_vec()));
        assert_eq!(c.bytes, 8);
        assert_eq!(c.get("co-1", "{\"a\":2}").as_deref(), Some(&b"B".to_vec()));
    }
}
