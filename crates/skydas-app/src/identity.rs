//! Finding identity across re-analyses: which new finding is which stored one, so that a
//! finding keeps its id (and with it the analyst's review, marking and versions) when more
//! data changes it a little.
//!
//! A detector derives a finding's id from what identifies it (a network's members, a domain),
//! so one more member gives a network a new id. [`reconcile`] matches each new finding to a
//! stored one of the same kind, one to one, in three passes:
//!
//! 1. the same id: nothing that identifies it changed;
//! 2. the same `domain` (lookalikes, known infrastructure on a domain);
//! 3. networks (findings with edges: their actors are the members of one graph) by member
//!    overlap. A pair qualifies when the overlap coefficient, shared members over the smaller
//!    side's, is at least [`MIN_OVERLAP`]; qualifying pairs are taken greedily by Jaccard
//!    similarity, best first. The overlap coefficient accepts a network that grew or shrank a
//!    lot, or split or merged, where Jaccard alone would lose the id of a network that split
//!    in three; ranking by Jaccard gives the id to the most similar one of several candidates.
//!
//! Whatever is left over matches by nothing but its id. A matched new finding takes the stored
//! id. A new network left unmatched that qualifies with a stored one is a split off it: it keeps
//! its own id, records the stored one as `split_from` and takes a copy of its review. A stored
//! network left unmatched that qualifies with a new one merged into it: the new finding records
//! it in `merged`, and its id is not reused.
//!
//! Every new finding that changed (members in or out, evidence count, score, a merge) or is
//! new gets a version; the store numbers them.

use std::collections::{BTreeSet, HashMap};

use skydas_model::Finding;
use skydas_store::{Change, Revision};

/// The least overlap coefficient (shared members over the smaller network's) at which two
/// networks are the same one, grown, shrunk, split or merged.
pub const MIN_OVERLAP: f64 = 0.5;

/// New findings with the ids they keep, and what the store writes besides them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciled {
    /// The new findings, in the order given, matched ones under their stored id.
    pub findings: Vec<Finding>,
    pub revision: Revision,
}

/// A finding's members as compared: its actors' keys.
fn members(f: &Finding) -> BTreeSet<String> {
    f.actors.iter().map(|a| a.key()).collect()
}

/// How alike two networks are: `(jaccard, overlap coefficient, shared)`.
fn similarity(shared: usize, a: usize, b: usize) -> (f64, f64, usize) {
    let union = a + b - shared;
    let smaller = a.min(b);
    if union == 0 || smaller == 0 {
        return (0.0, 0.0, shared);
    }
    (
        shared as f64 / union as f64,
        shared as f64 / smaller as f64,
        shared,
    )
}

/// A candidate pair: new index, stored index, Jaccard, shared members.
type Pair = (usize, usize, f64, usize);

/// The qualifying pairs of new and stored networks of the same kind, best first (Jaccard, then
/// shared members, then the ids, so the outcome does not depend on input order).
fn network_pairs(
    stored: &[Finding],
    new: &[Finding],
    old_members: &[BTreeSet<String>],
    new_members: &[BTreeSet<String>],
) -> Vec<Pair> {
    // An index from member to the stored networks holding it: only pairs sharing a member are
    // ever compared.
    let mut holding: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, f) in stored.iter().enumerate() {
        if f.is_network() {
            for m in &old_members[j] {
                holding.entry(m.as_str()).or_default().push(j);
            }
        }
    }
    let mut pairs = Vec::new();
    for (i, f) in new.iter().enumerate() {
        if !f.is_network() {
            continue;
        }
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for m in &new_members[i] {
            for &j in holding.get(m.as_str()).into_iter().flatten() {
                *shared.entry(j).or_default() += 1;
            }
        }
        for (j, n) in shared {
            if stored[j].kind != f.kind {
                continue;
            }
            let (jaccard, overlap, n) = similarity(n, new_members[i].len(), old_members[j].len());
            if overlap >= MIN_OVERLAP {
                pairs.push((i, j, jaccard, n));
            }
        }
    }
    pairs.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then(b.3.cmp(&a.3))
            .then_with(|| new[a.0].id.cmp(&new[b.0].id))
            .then_with(|| stored[a.1].id.cmp(&stored[b.1].id))
    });
    pairs
}

/// Takes pairs in order, each side at most once.
fn greedy(pairs: &[Pair], old_of: &mut [Option<usize>], taken: &mut [bool]) {
    for &(i, j, _, _) in pairs {
        if old_of[i].is_none() && !taken[j] {
            old_of[i] = Some(j);
            taken[j] = true;
        }
    }
}

/// Matches `new` findings to `stored` ones (see the module docs) and says what changed, as of
/// `at` (Unix seconds).
pub fn reconcile(stored: &[Finding], new: Vec<Finding>, at: i64) -> Reconciled {
    let old_members: Vec<BTreeSet<String>> = stored.iter().map(members).collect();
    let new_members: Vec<BTreeSet<String>> = new.iter().map(members).collect();
    let mut old_of: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; stored.len()];

    // 1. The same id.
    let by_id: HashMap<&str, usize> = stored
        .iter()
        .enumerate()
        .map(|(j, f)| (f.id.as_str(), j))
        .collect();
    for (i, f) in new.iter().enumerate() {
        if let Some(&j) = by_id.get(f.id.as_str())
            && stored[j].kind == f.kind
            && !taken[j]
        {
            old_of[i] = Some(j);
            taken[j] = true;
        }
    }

    // 2. The same domain, the most alike members first when a domain has several.
    let mut by_domain: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (j, f) in stored.iter().enumerate() {
        if let (Some(d), false) = (&f.domain, taken[j]) {
            by_domain.entry((f.kind.as_str(), d)).or_default().push(j);
        }
    }
    let mut pairs = Vec::new();
    for (i, f) in new.iter().enumerate() {
        let (Some(d), None) = (&f.domain, old_of[i]) else {
            continue;
        };
        for &j in by_domain
            .get(&(f.kind.as_str(), d.as_str()))
            .into_iter()
            .flatten()
        {
            let shared = new_members[i].intersection(&old_members[j]).count();
            let (jaccard, _, n) = similarity(shared, new_members[i].len(), old_members[j].len());
            pairs.push((i, j, jaccard, n));
        }
    }
    pairs.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| stored[a.1].id.cmp(&stored[b.1].id))
            .then_with(|| new[a.0].id.cmp(&new[b.0].id))
    });
    greedy(&pairs, &mut old_of, &mut taken);

    // 3. Networks by member overlap.
    let pairs = network_pairs(stored, &new, &old_members, &new_members);
    greedy(&pairs, &mut old_of, &mut taken);

    // Splits and merges: the best qualifying pair of a side left over. The other side of it
    // is matched, or the greedy pass would have paired the two.
    let mut split_from: Vec<Option<usize>> = vec![None; new.len()];
    let mut merged: Vec<Vec<usize>> = vec![Vec::new(); new.len()];
    let mut merged_seen = vec![false; stored.len()];
    for &(i, j, _, _) in &pairs {
        if old_of[i].is_none() && split_from[i].is_none() {
            split_from[i] = Some(j);
        }
        if !taken[j] && !merged_seen[j] && old_of[i].is_some() {
            merged_seen[j] = true;
            merged[i].push(j);
        }
    }

    let mut revision = Revision::default();
    let mut findings = Vec::with_capacity(new.len());
    for (i, mut f) in new.into_iter().enumerate() {
        let mine = &new_members[i];
        let change = match old_of[i] {
            Some(j) => {
                let old = &stored[j];
                f.id.clone_from(&old.id);
                let mut merged_ids: Vec<String> =
                    merged[i].iter().map(|&k| stored[k].id.clone()).collect();
                merged_ids.sort();
                let c = Change {
                    at,
                    members_in: mine.difference(&old_members[j]).cloned().collect(),
                    members_out: old_members[j].difference(mine).cloned().collect(),
                    evidence_before: old.evidence.len() as u64,
                    evidence_after: f.evidence.len() as u64,
                    score_before: Some(old.score),
                    score_after: f.score,
                    split_from: None,
                    merged: merged_ids,
                };
                let changed = !c.members_in.is_empty()
                    || !c.members_out.is_empty()
                    || c.evidence_before != c.evidence_after
                    || old.score.to_bits() != f.score.to_bits()
                    || !c.merged.is_empty();
                changed.then_some(c)
            }
            None => {
                let origin = split_from[i].map(|j| stored[j].id.clone());
                if let Some(o) = &origin {
                    revision.copy_review.push((f.id.clone(), o.clone()));
                }
                Some(Change {
                    at,
                    members_in: mine.iter().cloned().collect(),
                    members_out: Vec::new(),
                    evidence_before: 0,
                    evidence_after: f.evidence.len() as u64,
                    score_before: None,
                    score_after: f.score,
                    split_from: origin,
                    merged: Vec::new(),
                })
            }
        };
        if let Some(c) = change {
            revision.versions.push((f.id.clone(), c));
        }
        findings.push(f);
    }
    Reconciled { findings, revision }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use skydas_model::{EdgeEvidence, FindingActor, KindSpec, Platform, ShareAs};
    use skydas_store::conformance::{GROUP, SITE, finding};

    /// Another kind of network, to check that kinds never match each other.
    static OTHER: KindSpec = KindSpec {
        name: "other",
        id_prefix: "ot",
        noun: "other",
        plural: "others",
        disarm: &[],
        share: ShareAs::Actors { sdo: "campaign" },
    };

    /// A network of `kind` with the given members (X ids), its id from them as a detector
    /// derives it, one evidence item per member, edges along the members.
    pub(crate) fn net_of(kind: &'static KindSpec, ids: &[&str], score: f64) -> Finding {
        let mut f = finding(kind, &ids.join(","), score);
        f.actors = ids
            .iter()
            .map(|id| FindingActor {
                platform: Platform::X,
                id: (*id).into(),
                handle: None,
                name: None,
                role: None,
            })
            .collect();
        f.evidence = ids
            .iter()
            .map(|id| skydas_model::Evidence {
                actor: (*id).into(),
                id: format!("{id}/1"),
                ..f.evidence[0].clone()
            })
            .collect();
        f.edges = ids
            .windows(2)
            .map(|w| EdgeEvidence {
                a: w[0].into(),
                b: w[1].into(),
                weight: 1.0,
                signals: Default::default(),
                acts: None,
                p_value: None,
                pairs: Vec::new(),
            })
            .collect();
        f
    }

    fn net(ids: &[&str], score: f64) -> Finding {
        net_of(&GROUP, ids, score)
    }

    fn keys(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|i| format!("x:{i}")).collect()
    }

    fn version_of<'a>(r: &'a Reconciled, id: &str) -> Option<&'a Change> {
        r.revision
            .versions
            .iter()
            .find(|(v, _)| v == id)
            .map(|(_, c)| c)
    }

    #[test]
    fn a_network_that_grows_keeps_its_id_and_says_who_joined() {
        let old = net(&["a", "b", "c", "d"], 0.8);
        let grown = net(&["a", "b", "c", "d", "e"], 0.9);
        assert_ne!(old.id, grown.id, "the detector gives it a new id");
        let r = reconcile(std::slice::from_ref(&old), vec![grown], 100);
        assert_eq!(r.findings[0].id, old.id);
        let c = version_of(&r, &old.id).expect("a version");
        assert_eq!(c.members_in, keys(&["e"]));
        assert!(c.members_out.is_empty());
        assert_eq!((c.evidence_before, c.evidence_after), (4, 5));
        assert_eq!((c.score_before, c.score_after), (Some(0.8), 0.9));
        assert_eq!(c.at, 100);
        assert!(r.revision.copy_review.is_empty());
    }

    #[test]
    fn a_network_that_shrinks_keeps_its_id_and_says_who_left() {
        let old = net(&["a", "b", "c", "d", "e", "f"], 0.8);
        let shrunk = net(&["a", "b", "c"], 0.8);
        let r = reconcile(std::slice::from_ref(&old), vec![shrunk], 100);
        assert_eq!(r.findings[0].id, old.id);
        let c = version_of(&r, &old.id).unwrap();
        assert!(c.members_in.is_empty());
        assert_eq!(c.members_out, keys(&["d", "e", "f"]));
        assert_eq!((c.evidence_before, c.evidence_after), (6, 3));
    }

    #[test]
    fn nothing_changed_writes_no_version() {
        let old = net(&["a", "b", "c"], 0.8);
        let r = reconcile(std::slice::from_ref(&old), vec![old.clone()], 100);
        assert_eq!(r.findings, vec![old]);
        assert_eq!(r.revision, Revision::default());
    }

    #[test]
    fn a_split_keeps_the_id_on_the_best_part_and_links_the_others() {
        let old = net(&["a", "b", "c", "d", "e", "f", "g", "h"], 0.8);
        let big = net(&["a", "b", "c", "d", "e"], 0.7);
        let small = net(&["f", "g", "h"], 0.6);
        let small_id = small.id.clone();
        let r = reconcile(std::slice::from_ref(&old), vec![small, big], 100);
        assert_eq!(r.findings[1].id, old.id, "the most alike part keeps the id");
        assert_eq!(r.findings[0].id, small_id, "the other part keeps its own");
        assert_eq!(
            r.revision.copy_review,
            vec![(small_id.clone(), old.id.clone())],
            "and a copy of the review"
        );
        let c = version_of(&r, &small_id).unwrap();
        assert_eq!(c.split_from.as_deref(), Some(old.id.as_str()));
        assert_eq!(c.members_in, keys(&["f", "g", "h"]));
        assert_eq!(c.score_before, None);
        let kept = version_of(&r, &old.id).unwrap();
        assert_eq!(kept.members_out, keys(&["f", "g", "h"]));
    }

    #[test]
    fn a_merge_keeps_the_best_old_id_and_records_the_others() {
        let one = net(&["a", "b", "c", "d"], 0.8);
        let two = net(&["e", "f"], 0.5);
        let merged = net(&["a", "b", "c", "d", "e", "f"], 0.9);
        let r = reconcile(&[two.clone(), one.clone()], vec![merged], 100);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(
            r.findings[0].id, one.id,
            "the larger part is the most alike"
        );
        let c = version_of(&r, &one.id).unwrap();
        assert_eq!(c.merged, vec![two.id.clone()]);
        assert_eq!(c.members_in, keys(&["e", "f"]));
        assert!(r.revision.copy_review.is_empty());
    }

    #[test]
    fn unrelated_networks_and_other_kinds_do_not_match() {
        let old = net(&["a", "b", "c", "d"], 0.8);
        // One shared member of four: an overlap of 0.25.
        let unrelated = net(&["d", "x", "y", "z"], 0.8);
        let same_members_other_kind = net_of(&OTHER, &["a", "b", "c", "d"], 0.8);
        let r = reconcile(
            std::slice::from_ref(&old),
            vec![unrelated.clone(), same_members_other_kind.clone()],
            100,
        );
        assert_eq!(r.findings[0].id, unrelated.id);
        assert_eq!(r.findings[1].id, same_members_other_kind.id);
        assert!(r.revision.copy_review.is_empty());
        assert!(
            r.revision
                .versions
                .iter()
                .all(|(_, c)| c.split_from.is_none())
        );
        assert_eq!(r.revision.versions.len(), 2, "both are new");
    }

    #[test]
    fn half_the_smaller_network_is_enough() {
        let old = net(&["a", "b", "c", "d"], 0.8);
        let half = net(&["a", "b", "x", "y"], 0.8);
        let r = reconcile(std::slice::from_ref(&old), vec![half], 100);
        assert_eq!(r.findings[0].id, old.id);
    }

    #[test]
    fn a_lookalike_matches_by_domain_and_the_rest_by_id() {
        let mut old_site = finding(&SITE, "lrt.ltd", 0.7);
        old_site.id = "si-was-derived-otherwise".into();
        let new_site = finding(&SITE, "lrt.ltd", 0.9);
        let other_site = finding(&SITE, "delfi.ltd", 0.9);
        let lone = finding(&GROUP, "automated", 0.5);
        let r = reconcile(
            &[old_site.clone(), lone.clone()],
            vec![other_site.clone(), new_site, lone.clone()],
            100,
        );
        assert_eq!(r.findings[0].id, other_site.id, "another domain is new");
        assert_eq!(
            r.findings[1].id, old_site.id,
            "the same domain keeps the id"
        );
        assert_eq!(r.findings[2].id, lone.id);
        let c = version_of(&r, &old_site.id).unwrap();
        assert_eq!((c.score_before, c.score_after), (Some(0.7), 0.9));
        assert!(version_of(&r, &lone.id).is_none(), "unchanged");
    }

    #[test]
    fn a_finding_without_edges_never_matches_by_members() {
        let mut old = finding(&GROUP, "one", 0.5);
        old.actors = net(&["a", "b"], 0.5).actors;
        let mut new = finding(&GROUP, "two", 0.5);
        new.actors = old.actors.clone();
        let r = reconcile(std::slice::from_ref(&old), vec![new.clone()], 100);
        assert_eq!(r.findings[0].id, new.id);
    }
}
