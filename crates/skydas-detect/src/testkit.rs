//! Fixtures that the detectors' tests and the speed examples build their corpora from: a
//! deterministic random generator, a small multilingual vocabulary and the provenance of a
//! made-up item. Not part of the product; public only so that the examples can use it.

use skydas_model::{ItemUrl, Locator, Provenance};

/// A deterministic generator (SplitMix64), so a scenario is the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Roughly Zipf over `0..n`: low numbers far more likely.
    pub fn zipf(&mut self, n: u64) -> u64 {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as u64
    }
}

/// Everyday words of the region's languages (Lithuanian, Russian, Polish, Finnish, English,
/// Latvian), for texts that share nothing by design.
pub const WORDS: &[&str] = &[
    "valdžia",
    "rinkimai",
    "karas",
    "ekonomika",
    "kainos",
    "mokykla",
    "orai",
    "futbolas",
    "новости",
    "погода",
    "цены",
    "выборы",
    "школа",
    "война",
    "wybory",
    "pogoda",
    "ceny",
    "uutiset",
    "sää",
    "hinnat",
    "news",
    "weather",
    "prices",
    "school",
    "vaalit",
    "ziņas",
];

/// The provenance of made-up item number `line` of importer `importer`, in a file of zeros.
pub fn provenance(importer: &str, line: u64) -> Provenance {
    Provenance {
        file_sha256: "00".repeat(32),
        importer: importer.into(),
        importer_version: 1,
        locator: Locator::Line(line),
    }
}

/// A link to `url` (raw and canonical alike) on `host` of registrable domain `domain`.
pub fn link(url: &str, host: &str, domain: &str) -> ItemUrl {
    ItemUrl {
        raw: url.into(),
        canonical: url.into(),
        host: host.into(),
        domain: domain.into(),
        ..ItemUrl::default()
    }
}
