//! What `truth.json` will say: the groups of planted and decoy actors, the items each wrote, and
//! at the end of the run the truth itself, naming only what the files really contain.

use std::collections::BTreeSet;

use skydas_model::Platform;

use crate::SimConfig;
use crate::domains::OUTLETS;
use crate::truth::{Operation, Truth, TruthActor, TruthItem, kinds};

use super::Sim;

/// One operation or decoy as truth will list it, with its actors by index until the end of the
/// run, when only those that wrote something are named.
pub(super) struct Group {
    pub(super) op: Operation,
    pub(super) decoy: bool,
    pub(super) actors: Vec<(Platform, u32, &'static str)>,
}

impl Sim {
    /// Opens a truth group and returns its tag, the number its items and events carry.
    pub(super) fn group(
        &mut self,
        kind: &str,
        decoy: bool,
        disarm: &[&str],
        params: serde_json::Value,
    ) -> u16 {
        let n = self.groups.len() + 1;
        let prefix = if decoy { "decoy" } else { "op" };
        self.groups.push(Group {
            op: Operation {
                id: format!("{prefix}-{n:02}-{kind}"),
                kind: kind.to_string(),
                disarm: disarm.iter().map(|s| s.to_string()).collect(),
                actors: Vec::new(),
                items: Vec::new(),
                domains: Vec::new(),
                redirectors: Vec::new(),
                params,
            },
            decoy,
            actors: Vec::new(),
        });
        n as u16
    }

    /// The group of `tag` (tags count from 1; 0 is organic).
    pub(super) fn group_mut(&mut self, tag: u16) -> &mut Group {
        &mut self.groups[tag as usize - 1]
    }

    /// Counts one written item, and lists it in truth when it belongs to group `tag`.
    pub(super) fn count(&mut self, platform: Platform, tag: u16, id: String) {
        self.items += 1;
        *self
            .by_platform
            .entry(platform.as_str().to_string())
            .or_insert(0) += 1;
        if tag > 0 {
            self.group_mut(tag)
                .op
                .items
                .push(TruthItem { platform, id });
        }
    }

    /// The truth of the run, from the groups and what the files contain.
    pub(super) fn truth(&mut self, cfg: &SimConfig) -> Truth {
        let mut operations = Vec::new();
        let mut decoys = Vec::new();
        for g in std::mem::take(&mut self.groups) {
            let mut op = g.op;
            let mut seen = BTreeSet::new();
            for (p, i, role) in g.actors {
                let (id, handle, written) = match p {
                    Platform::X => {
                        let a = &self.x[i as usize];
                        (a.id.to_string(), Some(a.username.clone()), a.written)
                    }
                    Platform::Telegram => {
                        let c = &self.chans[i as usize];
                        (c.id.to_string(), Some(c.username.clone()), c.written)
                    }
                    _ => {
                        let s = &self.sites[i as usize];
                        (s.host.clone(), None, s.written)
                    }
                };
                // Truth names only actors that exist in the files.
                if written > 0 && seen.insert((p, id.clone())) {
                    op.actors.push(TruthActor {
                        platform: p,
                        id,
                        handle,
                        role: Some(role.to_string()),
                    });
                }
            }
            if g.decoy {
                decoys.push(op)
            } else {
                operations.push(op)
            }
        }
        // A clone that no written post links to is not in the data: truth leaves it out.
        let linked = std::mem::take(&mut self.linked_hosts);
        self.lookalikes.retain(|l| linked.contains(&l.host));
        let shown: BTreeSet<String> = self.lookalikes.iter().map(|l| l.domain.clone()).collect();
        for op in &mut operations {
            if op.kind == kinds::DOPPELGANGER {
                op.domains.retain(|d| shown.contains(d));
            }
        }
        // An operation member that also takes part in an organic cascade (its cover traffic)
        // is a positive, not a decoy: decoys name only actors outside every operation.
        let members: BTreeSet<(Platform, String)> = operations
            .iter()
            .flat_map(|o: &Operation| o.actors.iter().map(|a| (a.platform, a.id.clone())))
            .collect();
        for d in &mut decoys {
            d.actors
                .retain(|a| !members.contains(&(a.platform, a.id.clone())));
        }
        let mut benign: Vec<String> = OUTLETS.iter().map(|o| o.domain.to_string()).collect();
        benign.sort();
        benign.dedup();
        Truth {
            seed: cfg.seed,
            scale: cfg.scale,
            start: cfg.start,
            days: cfg.days,
            items_total: self.items,
            operations,
            decoys,
            lookalike_domains: std::mem::take(&mut self.lookalikes),
            benign_domains: benign,
        }
    }
}
