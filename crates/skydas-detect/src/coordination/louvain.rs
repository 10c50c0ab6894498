//! Community detection on the weighted actor graph, behind a small trait so another method
//! (Leiden) can replace Louvain without touching the rest.

/// Splits a weighted undirected graph into communities.
pub trait CommunityDetection {
    /// `edges` are `(a, b, weight)` over nodes `0..n`; returns a community label per node.
    /// Labels are dense, numbered in order of each community's smallest node.
    fn communities(&self, n: usize, edges: &[(u32, u32, f64)]) -> Vec<u32>;
}

/// Louvain modularity optimisation (Blondel et al. 2008), deterministic: nodes are visited in
/// index order and ties go to the smaller community label.
#[derive(Debug, Clone, Copy)]
pub struct Louvain {
    /// Resolution γ of modularity; 1 is the classic definition.
    pub resolution: f64,
}

impl Default for Louvain {
    fn default() -> Self {
        Self { resolution: 1.0 }
    }
}

/// Adjacency lists with self-loop weights, as Louvain levels need them.
struct Graph {
    adj: Vec<Vec<(u32, f64)>>,
    self_w: Vec<f64>,
    total: f64,
}

impl Graph {
    fn new(n: usize, edges: &[(u32, u32, f64)]) -> Graph {
        let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        let mut self_w = vec![0.0; n];
        let mut total = 0.0;
        for &(a, b, w) in edges {
            if a == b {
                self_w[a as usize] += w;
            } else {
                adj[a as usize].push((b, w));
                adj[b as usize].push((a, w));
            }
            total += w;
        }
        for l in &mut adj {
            l.sort_by_key(|x| x.0);
            // Merge parallel edges so each neighbour appears once.
            let mut merged: Vec<(u32, f64)> = Vec::with_capacity(l.len());
            for &(v, w) in l.iter() {
                match merged.last_mut() {
                    Some(last) if last.0 == v => last.1 += w,
                    _ => merged.push((v, w)),
                }
            }
            *l = merged;
        }
        Graph { adj, self_w, total }
    }

    fn degree(&self, v: usize) -> f64 {
        2.0 * self.self_w[v] + self.adj[v].iter().map(|x| x.1).sum::<f64>()
    }
}

/// One level of local moves; returns the labels and whether anything moved.
fn local_moves(g: &Graph, gamma: f64) -> (Vec<u32>, bool) {
    let n = g.adj.len();
    let m2 = 2.0 * g.total;
    let deg: Vec<f64> = (0..n).map(|v| g.degree(v)).collect();
    let mut comm: Vec<u32> = (0..n as u32).collect();
    let mut tot: Vec<f64> = deg.clone();
    let mut moved_any = false;
    let mut w_to: Vec<f64> = vec![0.0; n];
    let mut touched: Vec<u32> = Vec::new();
    for _pass in 0..50 {
        let mut moved = false;
        for v in 0..n {
            let cv = comm[v] as usize;
            for &(u, w) in &g.adj[v] {
                let cu = comm[u as usize];
                if w_to[cu as usize] == 0.0 {
                    touched.push(cu);
                }
                w_to[cu as usize] += w;
            }
            tot[cv] -= deg[v];
            let gain = |c: usize, wt: f64| wt - gamma * tot[c] * deg[v] / m2;
            let mut best = cv;
            let mut best_gain = gain(cv, w_to[cv]);
            touched.sort_unstable();
            for &c in &touched {
                let c = c as usize;
                let gc = gain(c, w_to[c]);
                // Strictly better only: ties keep the current community, and among equal
                // gains the smaller label (visited first) wins.
                if gc > best_gain + 1e-12 {
                    best = c;
                    best_gain = gc;
                }
            }
            tot[best] += deg[v];
            if best != cv {
                comm[v] = best as u32;
                moved = true;
                moved_any = true;
            }
            for &c in &touched {
                w_to[c as usize] = 0.0;
            }
            touched.clear();
        }
        if !moved {
            break;
        }
    }
    (relabel(&comm), moved_any)
}

/// Dense labels in order of first appearance.
fn relabel(comm: &[u32]) -> Vec<u32> {
    let mut map: Vec<u32> = vec![u32::MAX; comm.len()];
    let mut next = 0;
    comm.iter()
        .map(|&c| {
            if map[c as usize] == u32::MAX {
                map[c as usize] = next;
                next += 1;
            }
            map[c as usize]
        })
        .collect()
}

impl CommunityDetection for Louvain {
    fn communities(&self, n: usize, edges: &[(u32, u32, f64)]) -> Vec<u32> {
        let mut labels: Vec<u32> = (0..n as u32).collect();
        if n == 0 || edges.is_empty() {
            return labels;
        }
        let mut g = Graph::new(n, edges);
        for _level in 0..20 {
            let (comm, moved) = local_moves(&g, self.resolution);
            if !moved {
                break;
            }
            for l in &mut labels {
                *l = comm[*l as usize];
            }
            let k = comm.iter().max().map_or(0, |&m| m as usize + 1);
            let mut agg: Vec<(u32, u32, f64)> = Vec::new();
            for (v, list) in g.adj.iter().enumerate() {
                let cv = comm[v];
                agg.push((cv, cv, g.self_w[v]));
                for &(u, w) in list {
                    if (u as usize) > v {
                        agg.push((cv, comm[u as usize], w));
                    }
                }
            }
            g = Graph::new(k, &agg);
        }
        relabel(&labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clique(nodes: &[u32], w: f64, out: &mut Vec<(u32, u32, f64)>) {
        for (i, &a) in nodes.iter().enumerate() {
            for &b in &nodes[i + 1..] {
                out.push((a, b, w));
            }
        }
    }

    #[test]
    fn two_cliques_joined_by_a_weak_edge_split() {
        let mut e = Vec::new();
        clique(&[0, 1, 2, 3, 4], 1.0, &mut e);
        clique(&[5, 6, 7, 8], 1.0, &mut e);
        e.push((4, 5, 0.1));
        let l = Louvain::default().communities(10, &e);
        assert_eq!(l, vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 2]);
    }

    #[test]
    fn deterministic_and_empty_safe() {
        let mut e = Vec::new();
        clique(&[0, 1, 2], 2.0, &mut e);
        clique(&[3, 4, 5], 2.0, &mut e);
        e.push((2, 3, 0.5));
        let l = Louvain::default();
        assert_eq!(l.communities(6, &e), l.communities(6, &e));
        assert_eq!(l.communities(3, &[]), vec![0, 1, 2]);
    }
}
