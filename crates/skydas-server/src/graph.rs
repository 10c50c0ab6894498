//! A deterministic force-directed layout (Fruchterman–Reingold) for actor graphs: the same
//! graph always gets the same picture, so analysts can compare screenshots and reports.

/// Node positions in a `width` × `height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub pos: Vec<(f64, f64)>,
}

/// Lays out `n` nodes joined by `edges` (`(a, b, weight)`, indexes below `n`) in a square of
/// side `size`. Starts from a fixed spiral, not from random positions.
pub fn layout(n: usize, edges: &[(usize, usize, f64)], size: f64) -> Layout {
    let margin = 20.0;
    let side = (size - 2.0 * margin).max(1.0);
    if n == 0 {
        return Layout {
            width: size,
            height: size,
            pos: Vec::new(),
        };
    }
    // Golden-angle spiral: spread out, deterministic, no two nodes on one spot.
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let r = (i as f64 + 0.5).sqrt() / (n as f64).sqrt() * side / 2.0;
            let a = i as f64 * 2.399_963_229_728_653;
            (r * a.cos(), r * a.sin())
        })
        .collect();
    let k = (side * side / n as f64).sqrt() * 0.6;
    let max_w = edges.iter().map(|e| e.2).fold(0.0_f64, f64::max).max(1e-9);
    // Quadratic per iteration: fewer iterations for bigger graphs keeps 300 nodes fast.
    let iterations = (4_000_000 / (n * n).max(1)).clamp(40, 300);
    let mut temp = side / 8.0;
    let cool = temp / iterations as f64;
    let mut disp = vec![(0.0_f64, 0.0_f64); n];
    for _ in 0..iterations {
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d2 = (dx * dx + dy * dy).max(0.01);
                let f = k * k / d2;
                disp[i].0 += dx * f;
                disp[i].1 += dy * f;
                disp[j].0 -= dx * f;
                disp[j].1 -= dy * f;
            }
        }
        for &(a, b, w) in edges {
            if a >= n || b >= n || a == b {
                continue;
            }
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(0.1);
            let f = d / k * (0.5 + w / max_w);
            disp[a].0 -= dx * f;
            disp[a].1 -= dy * f;
            disp[b].0 += dx * f;
            disp[b].1 += dy * f;
        }
        for (p, d) in pos.iter_mut().zip(&disp) {
            // Gravity keeps disconnected parts from drifting off.
            let (gx, gy) = (d.0 - p.0 * 0.05, d.1 - p.1 * 0.05);
            let len = (gx * gx + gy * gy).sqrt().max(1e-9);
            let step = len.min(temp);
            p.0 += gx / len * step;
            p.1 += gy / len * step;
        }
        temp = (temp - cool).max(side / 200.0);
    }
    // Fit into the box.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &pos {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let scale = side / (x1 - x0).max(y1 - y0).max(1e-9);
    for p in &mut pos {
        p.0 = if x1 > x0 {
            margin + (p.0 - x0) * scale
        } else {
            size / 2.0
        };
        p.1 = if y1 > y0 {
            margin + (p.1 - y0) * scale
        } else {
            size / 2.0
        };
    }
    Layout {
        width: size,
        height: size,
        pos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(l: &Layout, a: usize, b: usize) -> f64 {
        let (p, q) = (l.pos[a], l.pos[b]);
        ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
    }

    #[test]
    fn deterministic_inside_the_box_and_linked_nodes_closer() {
        // Two triangles joined by one weak edge.
        let edges = [
            (0, 1, 5.0),
            (1, 2, 5.0),
            (0, 2, 5.0),
            (3, 4, 5.0),
            (4, 5, 5.0),
            (3, 5, 5.0),
            (2, 3, 0.5),
        ];
        let a = layout(6, &edges, 400.0);
        assert_eq!(a, layout(6, &edges, 400.0));
        for &(x, y) in &a.pos {
            assert!(
                (0.0..=400.0).contains(&x) && (0.0..=400.0).contains(&y),
                "{x},{y}"
            );
        }
        assert!(dist(&a, 0, 1) < dist(&a, 0, 5));
        assert!(dist(&a, 3, 4) < dist(&a, 1, 4));
    }

    #[test]
    fn edge_cases() {
        assert!(layout(0, &[], 100.0).pos.is_empty());
        assert_eq!(layout(1, &[], 100.0).pos, vec![(50.0, 50.0)]);
        // Bad indexes and self-loops are ignored.
        assert_eq!(layout(2, &[(0, 9, 1.0), (1, 1, 1.0)], 100.0).pos.len(), 2);
    }

    #[test]
    fn three_hundred_nodes_stay_apart() {
        let edges: Vec<_> = (0..300).map(|i| (i, (i * 7 + 1) % 300, 1.0)).collect();
        let l = layout(300, &edges, 900.0);
        let mut close = 0;
        for i in 0..300 {
            for j in (i + 1)..300 {
                if dist(&l, i, j) < 2.0 {
                    close += 1;
                }
            }
        }
        assert!(close < 10, "{close} pairs overlap");
    }
}
