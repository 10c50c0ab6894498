//! The normalised model of Skydas: what every layer of the pipeline agrees on.
//!
//! Importers produce [`Item`]s, the normaliser fills in their derived fields, the store keeps
//! them, and detectors read a [`Corpus`]: the same items, interned to integer ids and sorted by
//! time. Detectors return [`Finding`]s of the kinds they declare ([`KindSpec`]). The rest of
//! the vocabulary every layer shares is here once: TLP levels ([`Tlp`]), the one domain
//! normalisation ([`normalise_domain`]), the injected [`Clock`], the pre-hashed map
//! ([`hash::PrehashedMap`]) and time parsing ([`time`]). This crate does no IO; its
//! [`SystemClock`] is the only reader of the wall clock in the workspace.

pub mod clock;
pub mod corpus;
pub mod country;
pub mod disarm;
pub mod domain;
pub mod finding;
pub mod hash;
pub mod indicator;
pub mod intern;
pub mod item;
pub mod kind;
pub mod markup;
pub mod time;
pub mod tlp;
pub mod zone;

pub use clock::{Clock, FixedClock, SystemClock};
pub use corpus::CorpusActor;
pub use corpus::CorpusUrl;
pub use corpus::{Corpus, CorpusBuilder, CorpusItem};
pub use domain::normalise_domain;
pub use finding::{
    EdgeEvidence, Evidence, Finding, FindingActor, FindingsDoc, ItemPair, ScoredSignal, finding_id,
};
pub use indicator::{Indicator, IndicatorKind};
pub use intern::{Interner, Sym};
pub use item::{
    Actor, ActorKind, Item, ItemKind, ItemUrl, Locator, Platform, Provenance, TimeBasis, UrlSource,
};
pub use kind::{FindingKind, KindSpec, Kinds, ShareAs};
pub use tlp::Tlp;
