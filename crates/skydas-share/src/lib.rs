//! Sharing and export: turning findings into formats other tools read.
//!
//! [`graph`] writes a coordination finding's actor graph for Gephi and spreadsheets.
//! [`stix`] and [`misp`] export findings for partners' platforms under the TLP 2.0 rules of
//! [`tlp`], referencing DISARM techniques from the embedded framework data in [`disarm`].

pub mod disarm;
#[cfg(test)]
mod fixtures;
pub mod graph;
pub mod indicators;
pub mod misp;
pub mod stix;
pub mod tlp;
