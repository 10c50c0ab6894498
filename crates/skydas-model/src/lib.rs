//! The normalised model of Skydas: what every layer of the pipeline agrees on.
//!
//! Importers produce [`Item`]s, the normaliser fills in their derived fields, the store keeps
//! them, and detectors read a [`Corpus`]: the same items, interned to integer ids and sorted by
//! time. Detectors return [`Finding`]s. This crate does no IO and reads no clock.

pub mod corpus;
pub mod disarm;
pub mod finding;
pub mod intern;
pub mod item;
pub mod time;

pub use corpus::CorpusActor;
pub use corpus::CorpusUrl;
pub use corpus::{Corpus, CorpusBuilder, CorpusItem};
pub use finding::{
    EdgeEvidence, Evidence, Finding, FindingActor, FindingKind, FindingsDoc, ItemPair,
    ScoredSignal, finding_id,
};
pub use intern::{Interner, Sym};
pub use item::{
    Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, Provenance, UrlSource,
};
