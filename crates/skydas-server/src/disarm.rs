//! DISARM Red Framework technique names, read from the repository's data file at build time.
//! The framework is by the DISARM Foundation under CC BY-SA 4.0; pages credit it in the footer.

use std::collections::HashMap;
use std::sync::OnceLock;

const CSV: &str = include_str!("../../../data/disarm/disarm_red_techniques.csv");

fn names() -> &'static HashMap<String, String> {
    static NAMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut r = csv::Reader::from_reader(CSV.as_bytes());
        // Columns: disarm_id, name, ...; a malformed row is skipped, never fatal.
        r.records()
            .filter_map(Result::ok)
            .filter_map(|rec| Some((rec.get(0)?.to_string(), rec.get(1)?.to_string())))
            .collect()
    })
}

/// The technique's name, `None` when the id is unknown.
pub fn name(id: &str) -> Option<&'static str> {
    names().get(id).map(String::as_str)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_come_from_the_data_file() {
        assert_eq!(super::name("T0084.001"), Some("Use Copypasta"));
        assert_eq!(super::name("T0002"), Some("Facilitate State Propaganda"));
        assert_eq!(super::name("T9999"), None);
    }
}
