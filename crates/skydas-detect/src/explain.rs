//! Parts of findings that more than one detector builds alike: an actor as a finding names it,
//! and an item as evidence.

use skydas_model::{Corpus, Evidence, FindingActor};

use crate::coordination::text::excerpt;

/// Actor `a` of the corpus as a finding names it, with its role in the finding.
pub(crate) fn finding_actor(c: &Corpus, a: u32, role: Option<String>) -> FindingActor {
    let ca = c.actor(a);
    FindingActor {
        platform: ca.platform,
        id: ca.actor.platform_id.clone(),
        handle: ca.actor.handle.clone(),
        name: ca.actor.name.clone(),
        role,
    }
}

/// Item `i` of the corpus as evidence: its platform, id, actor and time and its first link
/// (canonical), without text.
pub(crate) fn item_evidence(c: &Corpus, i: usize) -> Evidence {
    let it = &c.items[i];
    Evidence {
        platform: it.platform,
        id: c.item_id(i).to_string(),
        actor: c.actor(it.actor).actor.platform_id.clone(),
        time: it.time,
        url: it
            .urls
            .first()
            .map(|u| c.urls.resolve(u.canonical).to_string()),
        text: None,
    }
}

/// [`item_evidence`] with an excerpt of the item's text (160 characters at most), unless the
/// text is empty.
pub(crate) fn item_evidence_with_text(c: &Corpus, i: usize) -> Evidence {
    Evidence {
        text: Some(excerpt(&c.texts[i], 160)).filter(|t| !t.is_empty()),
        ..item_evidence(c, i)
    }
}
