//! Sharing and export: turning findings into formats other tools read.
//!
//! [`graph`] writes a coordination finding's actor graph for Gephi and spreadsheets.

pub mod graph;
