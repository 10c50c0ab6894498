//! HTML building blocks: escaping, the page frame, and the SVG pictures (actor graph, evidence
//! timeline, volume charts). Every dynamic string passes [`esc`] or [`url_part`].

use std::collections::HashMap;
use std::fmt::Write;

use skydas_model::Finding;
use skydas_model::time::format_rfc3339;
use skydas_store::accounts::User;
use skydas_store::browse::DaySeries;

use crate::graph;

/// Escapes text for HTML element content and quoted attribute values.
pub use skydas_model::markup::escape as esc;

/// Percent-encodes a URL path segment or query value.
pub fn url_part(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            o.push(char::from(b));
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

/// A time as `YYYY-MM-DD HH:MM`.
pub fn when(t: i64) -> String {
    let s = format_rfc3339(t);
    s.get(..16).unwrap_or(&s).replace('T', " ")
}

/// The page frame: navigation, the user, the CSRF token for scripts, the DISARM credit.
pub fn page(title: &str, user: Option<(&User, &str)>, body: &str) -> String {
    let nav = match user {
        Some((u, csrf)) => format!(
            "<nav><a href=\"/\" class=\"brand\">Skydas</a><a href=\"/\">Overview</a>\
             <a href=\"/findings\">Findings</a>{}{}\
             <span class=\"who\">{} ({}, {})</span>\
             <form method=\"post\" action=\"/logout\" class=\"inline\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Log out</button></form></nav>",
            // Partners see what was released to them, not the corpus or others' intelligence.
            if u.org == crate::home_org() {
                "<a href=\"/search\">Search</a><a href=\"/partner\">Partner</a>"
            } else {
                ""
            },
            if u.role == skydas_store::accounts::Role::Admin {
                "<a href=\"/users\">Users</a>"
            } else {
                ""
            },
            esc(&u.name),
            u.role.as_str(),
            esc(&u.org),
            esc(csrf)
        ),
        None => "<nav><span class=\"brand\">Skydas</span></nav>".to_string(),
    };
    let script = if user.is_some() {
        "<script src=\"/static/app.js\"></script>"
    } else {
        ""
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Skydas</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
         <body>{nav}<main>{body}</main><footer>Skydas shows observed behaviour, not intent: \
         attribution is the analyst's call. DISARM technique names: DISARM Foundation, \
         <a href=\"https://creativecommons.org/licenses/by-sa/4.0/\">CC BY-SA 4.0</a>.</footer>\
         {script}</body></html>",
        esc(title)
    )
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

fn platform_colour(p: &str) -> &'static str {
    match p {
        "telegram" => PALETTE[0],
        "x" => PALETTE[1],
        "web" => PALETTE[2],
        "facebook" => PALETTE[3],
        "vk" => PALETTE[4],
        _ => PALETTE[6],
    }
}

/// Most nodes drawn; beyond that the strongest-linked actors are kept.
pub const MAX_NODES: usize = 300;

/// The finding's actor graph as inline SVG plus one hidden detail block per edge (the item
/// pairs), shown in the side panel when the edge is clicked.
pub fn graph_svg(f: &Finding) -> String {
    // Node keys as edges name them: bare ids within one platform, `platform:id` otherwise.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut labels = Vec::new();
    for a in &f.actors {
        let i = labels.len();
        index.insert(format!("{}:{}", a.platform, a.id), i);
        index.entry(a.id.clone()).or_insert(i);
        labels.push((
            a.handle
                .clone()
                .or_else(|| a.name.clone())
                .unwrap_or_else(|| a.id.clone()),
            a.platform.as_str(),
            format!("/actors/{}/{}", a.platform, url_part(&a.id)),
        ));
    }
    let mut edges: Vec<(usize, usize, usize)> = Vec::new();
    for (k, e) in f.edges.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (index.get(&e.a), index.get(&e.b)) {
            edges.push((a, b, k));
        }
    }
    // Keep the MAX_NODES actors with the most weight.
    let mut keep: Vec<usize> = (0..labels.len()).collect();
    if keep.len() > MAX_NODES {
        let mut strength = vec![0.0_f64; labels.len()];
        for &(a, b, k) in &edges {
            strength[a] += f.edges[k].weight;
            strength[b] += f.edges[k].weight;
        }
        keep.sort_by(|&x, &y| strength[y].total_cmp(&strength[x]).then(x.cmp(&y)));
        keep.truncate(MAX_NODES);
        keep.sort_unstable();
    }
    let mut slot = vec![usize::MAX; labels.len()];
    for (s, &i) in keep.iter().enumerate() {
        slot[i] = s;
    }
    let drawn: Vec<(usize, usize, usize)> = edges
        .iter()
        .filter(|&&(a, b, _)| slot[a] != usize::MAX && slot[b] != usize::MAX)
        .map(|&(a, b, k)| (slot[a], slot[b], k))
        .collect();
    let size = if keep.len() > 80 { 900.0 } else { 600.0 };
    let lay = graph::layout(
        keep.len(),
        &drawn
            .iter()
            .map(|&(a, b, k)| (a, b, f.edges[k].weight))
            .collect::<Vec<_>>(),
        size,
    );
    let max_w = f
        .edges
        .iter()
        .map(|e| e.weight)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let mut s = format!(
        "<svg id=\"graph\" class=\"graph\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         role=\"img\" aria-label=\"actor graph\" xmlns=\"http://www.w3.org/2000/svg\">",
        w = lay.width,
        h = lay.height
    );
    s.push_str("<g class=\"edges\">");
    for &(a, b, k) in &drawn {
        let e = &f.edges[k];
        let (p, q) = (lay.pos[a], lay.pos[b]);
        let signals: Vec<String> = e.signals.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
        let title = format!(
            "{} — {}: {}; weight {:.2}{}; {} item pairs (click for the pairs)",
            labels[keep[a]].0,
            labels[keep[b]].0,
            signals.join(", "),
            e.weight,
            e.p_value
                .map(|p| format!(", p = {p:.2e}"))
                .unwrap_or_default(),
            e.pairs.len()
        );
        let _ = write!(
            s,
            "<line class=\"edge\" data-edge=\"{k}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" \
             y2=\"{:.1}\" stroke-width=\"{:.1}\"><title>{}</title></line>",
            p.0,
            p.1,
            q.0,
            q.1,
            1.0 + 5.0 * e.weight / max_w,
            esc(&title)
        );
    }
    s.push_str("</g><g class=\"nodes\">");
    let big = keep.len() > 60;
    for (slot_i, &i) in keep.iter().enumerate() {
        let (label, platform, href) = &labels[i];
        let (x, y) = lay.pos[slot_i];
        let _ = write!(
            s,
            "<a href=\"{}\"><circle class=\"node\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{}\" \
             fill=\"{}\"><title>{} ({platform})</title></circle>",
            esc(href),
            if big { 4 } else { 7 },
            platform_colour(platform),
            esc(label)
        );
        if !big {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + 9.0,
                y + 4.0,
                esc(label)
            );
        }
        s.push_str("</a>");
    }
    s.push_str("</g></svg>");
    // Edge details for the side panel.
    for &(a, b, k) in &drawn {
        let e = &f.edges[k];
        let _ = write!(
            s,
            "<div class=\"edge-detail\" id=\"edge-{k}\" hidden><h3>{} — {}</h3><p>weight {:.2}{}</p>\
             <table><tr><th>signal</th><th>shared</th><th>item a</th><th>item b</th><th>gap</th></tr>",
            esc(&labels[keep[a]].0),
            esc(&labels[keep[b]].0),
            e.weight,
            e.p_value
                .map(|p| format!(", p = {p:.2e}"))
                .unwrap_or_default()
        );
        for p in e.pairs.iter().take(50) {
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"key\">{}</td><td>{}</td><td>{}</td><td>{} s</td></tr>",
                esc(&p.signal),
                esc(&p.key),
                esc(&p.a),
                esc(&p.b),
                p.gap_s
            );
        }
        if e.pairs.len() > 50 {
            let _ = write!(
                s,
                "<tr><td colspan=\"5\">… {} more</td></tr>",
                e.pairs.len() - 50
            );
        }
        s.push_str("</table></div>");
    }
    s
}

/// The evidence items on a time axis, one lane per actor (at most 30 lanes).
pub fn timeline_svg(f: &Finding) -> String {
    if f.evidence.is_empty() {
        return "<p>No evidence items.</p>".into();
    }
    let t0 = f.evidence.iter().map(|e| e.time).min().unwrap_or(0);
    let t1 = f
        .evidence
        .iter()
        .map(|e| e.time)
        .max()
        .unwrap_or(0)
        .max(t0 + 1);
    let mut lanes: Vec<&str> = Vec::new();
    for e in &f.evidence {
        if !lanes.contains(&e.actor.as_str()) && lanes.len() < 30 {
            lanes.push(&e.actor);
        }
    }
    let (w, lane_h, left) = (900.0, 14.0, 10.0);
    let h = lanes.len() as f64 * lane_h + 30.0;
    let mut s = format!(
        "<svg id=\"timeline\" class=\"timeline\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"evidence timeline\">"
    );
    for (i, _) in lanes.iter().enumerate() {
        let y = 10.0 + i as f64 * lane_h;
        let _ = write!(
            s,
            "<line class=\"lane\" x1=\"{left}\" x2=\"{w}\" y1=\"{y}\" y2=\"{y}\"/>"
        );
    }
    for e in &f.evidence {
        let lane = lanes
            .iter()
            .position(|l| *l == e.actor)
            .unwrap_or(lanes.len() - 1);
        let x = left + (e.time - t0) as f64 / (t1 - t0) as f64 * (w - left - 10.0);
        let y = 10.0 + lane as f64 * lane_h;
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{}\"><title>{} · {} · {}</title></circle>",
            platform_colour(e.platform.as_str()),
            esc(&when(e.time)),
            esc(&e.actor),
            esc(e.text.as_deref().or(e.url.as_deref()).unwrap_or(&e.id))
        );
    }
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        h - 4.0,
        esc(&when(t0)),
        w - 10.0,
        h - 4.0,
        esc(&when(t1))
    );
    s
}

/// Small bar charts of items per day, one per series.
pub fn volume_svg(series: &[DaySeries]) -> String {
    let d0 = series
        .iter()
        .filter_map(|s| s.days.first())
        .map(|d| d.0)
        .min();
    let d1 = series
        .iter()
        .filter_map(|s| s.days.last())
        .map(|d| d.0)
        .max();
    let (Some(d0), Some(d1)) = (d0, d1) else {
        return "<p>No items yet.</p>".into();
    };
    // Too long a range is shown by its last 120 days.
    let d0 = d0.max(d1 - 119);
    let ndays = (d1 - d0 + 1) as f64;
    let max = series
        .iter()
        .flat_map(|s| s.days.iter().map(|d| d.1))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (w, row_h, left) = (1200.0, 34.0, 110.0);
    let h = series.len() as f64 * row_h + 20.0;
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let bw = (w - left) / ndays;
    for (i, ser) in series.iter().enumerate() {
        let base = 10.0 + (i as f64 + 1.0) * row_h - 6.0;
        let total: u64 = ser.days.iter().map(|d| d.1).sum();
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{:.1}\">{} ({total})</text>",
            base - 8.0,
            esc(&ser.key)
        );
        for &(day, n) in ser.days.iter().filter(|d| d.0 >= d0) {
            let bh = n as f64 / max * (row_h - 10.0);
            let x = left + (day - d0) as f64 * bw;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\">\
                 <title>{} {}: {n}</title></rect>",
                base - bh,
                (bw - 1.0).max(1.0),
                PALETTE[i % PALETTE.len()],
                esc(&ser.key),
                esc(format_rfc3339(day * 86400).get(..10).unwrap_or(""))
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        fn check(input: &str, expected: &str) {
            assert_eq!(esc(input), expected);
        }
        check("plain", "plain");
        check("<script>&\"'", "&lt;script&gt;&amp;&quot;&#39;");
        check("Вільна Литва ž", "Вільна Литва ž");
        assert_eq!(url_part("a b/ž?"), "a%20b%2F%C5%BE%3F");
        assert_eq!(when(0), "1970-01-01 00:00");
    }
}
