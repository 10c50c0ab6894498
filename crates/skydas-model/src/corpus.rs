//! The corpus detectors read: items interned to integer ids, sorted by time.
//!
//! Building it is the last step before detection; detectors never see strings in their hot
//! loops, only `Sym`s, and resolve strings back only to explain a finding.

use crate::intern::{Interner, Sym};
use crate::item::{Actor, Item, ItemKind, Platform, UrlSource};

/// One URL of a corpus item, every form interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorpusUrl {
    /// Canonical URL, in [`Corpus::urls`]. Unparseable URLs are skipped when building.
    pub canonical: Sym,
    /// The raw URL, in [`Corpus::urls`].
    pub raw: Sym,
    /// The expanded URL when the source had one, in [`Corpus::urls`].
    pub expanded: Option<Sym>,
    /// The first redirect hop between the raw and the expanded URL, in [`Corpus::urls`].
    pub hop: Option<Sym>,
    /// Host of the canonical URL, in [`Corpus::hosts`].
    pub host: Sym,
    /// Registrable domain, in [`Corpus::domains`].
    pub domain: Sym,
    pub source: UrlSource,
}

/// One item, compact.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusItem {
    /// The platform's own item id, in [`Corpus::item_ids`].
    pub item_id: Sym,
    pub platform: Platform,
    pub kind: ItemKind,
    /// Index into [`Corpus::actors`].
    pub actor: u32,
    /// Unix seconds UTC.
    pub time: i64,
    pub urls: Vec<CorpusUrl>,
    /// Hashtags, in [`Corpus::tags`].
    pub hashtags: Vec<Sym>,
    /// Image hashes, in [`Corpus::images`].
    pub images: Vec<Sym>,
    /// Repost / forward target, in [`Corpus::refs`].
    pub repost_of: Option<Sym>,
    pub reply_to: Option<Sym>,
    pub quote_of: Option<Sym>,
    /// Language code, in [`Corpus::langs`].
    pub lang: Sym,
}

/// An actor of the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusActor {
    pub platform: Platform,
    pub actor: Actor,
}

/// Everything a detector needs, interned and sorted by time.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Items sorted by `(time, actor, item_id)`; an item's index here is its corpus id.
    pub items: Vec<CorpusItem>,
    /// Matching text of each item, index-aligned with `items`.
    pub match_texts: Vec<String>,
    /// Display text of each item, index-aligned with `items` (for evidence excerpts).
    pub texts: Vec<String>,
    pub actors: Vec<CorpusActor>,
    pub item_ids: Interner,
    pub urls: Interner,
    pub hosts: Interner,
    pub domains: Interner,
    pub tags: Interner,
    pub refs: Interner,
    pub langs: Interner,
    pub images: Interner,
}

impl Corpus {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn actor(&self, idx: u32) -> &CorpusActor {
        &self.actors[idx as usize]
    }

    /// The platform's own id of an item.
    pub fn item_id(&self, idx: usize) -> &str {
        self.item_ids.resolve(self.items[idx].item_id)
    }
}

/// Builds a [`Corpus`] from items in any order.
#[derive(Debug, Default)]
pub struct CorpusBuilder {
    corpus: Corpus,
    /// `platform:id` of each actor; an actor's id here is its index in `corpus.actors`.
    actor_keys: Interner,
    key_buf: String,
}

impl CorpusBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with room for about `items` items.
    pub fn with_capacity(items: usize) -> Self {
        let mut b = Self::default();
        b.corpus.items.reserve(items);
        b.corpus.match_texts.reserve(items);
        b.corpus.texts.reserve(items);
        b.corpus.item_ids = Interner::with_capacity(items, items * 12);
        b.corpus.urls = Interner::with_capacity(items / 2, items * 30);
        b
    }

    /// Adds one normalised item. URLs without a canonical form are left out.
    pub fn push(&mut self, item: &Item) {
        self.push_with(item, item.text.clone(), item.match_text.clone());
    }

    /// Like [`push`](Self::push), taking the item's texts instead of copying them (they are
    /// left empty).
    pub fn push_taking(&mut self, item: &mut Item) {
        let text = std::mem::take(&mut item.text);
        let match_text = std::mem::take(&mut item.match_text);
        self.push_with(item, text, match_text);
    }

    fn push_with(&mut self, item: &Item, text: String, match_text: String) {
        let c = &mut self.corpus;
        self.key_buf.clear();
        self.key_buf.push_str(item.platform.as_str());
        self.key_buf.push(':');
        self.key_buf.push_str(&item.actor.platform_id);
        let known = self.actor_keys.len();
        let actor = self.actor_keys.intern(&self.key_buf);
        if actor as usize == known {
            c.actors.push(CorpusActor {
                platform: item.platform,
                actor: item.actor.clone(),
            });
        } else {
            c.actors[actor as usize].actor.fill_in(&item.actor);
        }
        let urls = item
            .urls
            .iter()
            .filter(|u| !u.canonical.is_empty())
            .map(|u| CorpusUrl {
                canonical: c.urls.intern(&u.canonical),
                raw: c.urls.intern(&u.raw),
                expanded: u.expanded.as_deref().map(|e| c.urls.intern(e)),
                hop: u.hops.first().map(|h| c.urls.intern(h)),
                host: c.hosts.intern(&u.host),
                domain: c.domains.intern(&u.domain),
                source: u.source,
            })
            .collect();
        let hashtags = item.hashtags.iter().map(|t| c.tags.intern(t)).collect();
        let images = item.images.iter().map(|h| c.images.intern(h)).collect();
        let ci = CorpusItem {
            item_id: c.item_ids.intern(&item.platform_id),
            platform: item.platform,
            kind: item.kind,
            actor,
            time: item.time,
            urls,
            hashtags,
            images,
            repost_of: item.repost_of.as_deref().map(|r| c.refs.intern(r)),
            reply_to: item.reply_to.as_deref().map(|r| c.refs.intern(r)),
            quote_of: item.quote_of.as_deref().map(|r| c.refs.intern(r)),
            lang: c.langs.intern(if item.lang.is_empty() {
                "und"
            } else {
                &item.lang
            }),
        };
        c.items.push(ci);
        c.match_texts.push(match_text);
        c.texts.push(text);
    }

    /// Sorts by time and returns the corpus.
    pub fn finish(self) -> Corpus {
        let mut c = self.corpus;
        let mut order: Vec<u32> = (0..c.items.len() as u32).collect();
        order.sort_by_key(|&i| {
            let it = &c.items[i as usize];
            (it.time, it.actor, it.item_id)
        });
        let mut items = Vec::with_capacity(order.len());
        let mut mt = Vec::with_capacity(order.len());
        let mut tx = Vec::with_capacity(order.len());
        let mut old_items: Vec<Option<CorpusItem>> = c.items.drain(..).map(Some).collect();
        let mut old_mt: Vec<String> = std::mem::take(&mut c.match_texts);
        let mut old_tx: Vec<String> = std::mem::take(&mut c.texts);
        for &i in &order {
            let i = i as usize;
            // Each index appears exactly once in `order`, so every slot is taken once.
            items.push(old_items[i].take().expect("index taken twice"));
            mt.push(std::mem::take(&mut old_mt[i]));
            tx.push(std::mem::take(&mut old_tx[i]));
        }
        c.items = items;
        c.match_texts = mt;
        c.texts = tx;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{ItemUrl, Locator, Provenance};

    fn item(id: &str, actor: &str, time: i64, url: &str) -> Item {
        let prov = Provenance {
            file_sha256: "00".repeat(32),
            importer: "test".into(),
            importer_version: 1,
            locator: Locator::Line(1),
        };
        let mut it = Item::new(
            Platform::X,
            id,
            Actor {
                platform_id: actor.into(),
                ..Actor::default()
            },
            time,
            "t",
            prov,
        );
        it.urls.push(ItemUrl {
            raw: url.into(),
            canonical: url.into(),
            host: "h".into(),
            domain: "h".into(),
            ..ItemUrl::default()
        });
        it
    }

    #[test]
    fn builder_interns_and_sorts_by_time() {
        let mut b = CorpusBuilder::new();
        b.push(&item("2", "a", 20, "u1"));
        b.push(&item("1", "b", 10, "u1"));
        b.push(&item("3", "a", 15, ""));
        let c = b.finish();
        assert_eq!(c.len(), 3);
        let times: Vec<i64> = c.items.iter().map(|i| i.time).collect();
        assert_eq!(times, vec![10, 15, 20]);
        assert_eq!(c.item_id(0), "1");
        assert_eq!(c.actors.len(), 2);
        assert_eq!(c.items[0].urls[0].canonical, c.items[2].urls[0].canonical);
        assert!(
            c.items[1].urls.is_empty(),
            "an empty canonical URL is left out"
        );
    }
}
