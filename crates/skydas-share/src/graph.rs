//! Actor graphs of findings as GEXF 1.3, GraphML and a CSV edge list.
//!
//! Nodes are the finding's actors (`platform:id`), edges its explained edges with their weight,
//! signal counts and p-value, so that Gephi shows the same graph the analyst reads in `findings
//! show`. Writers stream to any `io::Write` and escape every string.

use std::io::{self, Write};

use skydas_model::markup::escape;
use skydas_model::{EdgeEvidence, Finding};

/// Graph file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Gexf,
    Graphml,
    Csv,
}

impl GraphFormat {
    pub fn parse(s: &str) -> Option<GraphFormat> {
        match s.to_ascii_lowercase().as_str() {
            "gexf" => Some(GraphFormat::Gexf),
            "graphml" => Some(GraphFormat::Graphml),
            "csv" => Some(GraphFormat::Csv),
            _ => None,
        }
    }
}

struct Node {
    key: String,
    label: String,
    platform: String,
}

fn nodes_of(findings: &[&Finding]) -> Vec<Node> {
    let mut seen = std::collections::BTreeMap::new();
    for f in findings {
        for a in &f.actors {
            let key = format!("{}:{}", a.platform, a.id);
            seen.entry(key.clone()).or_insert_with(|| Node {
                key,
                label: a
                    .handle
                    .clone()
                    .or_else(|| a.name.clone())
                    .unwrap_or_else(|| a.id.clone()),
                platform: a.platform.to_string(),
            });
        }
    }
    seen.into_values().collect()
}

/// Resolves an edge end to a node key. Edge ends are `platform:id` or, within a single-platform
/// finding, a bare id.
fn end_key(f: &Finding, end: &str) -> String {
    if f.actors
        .iter()
        .any(|a| format!("{}:{}", a.platform, a.id) == end)
    {
        return end.to_string();
    }
    match f.actors.iter().find(|a| a.id == end) {
        Some(a) => format!("{}:{}", a.platform, a.id),
        None => end.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every edge of `findings`, in order, with its finding and the node keys of its two ends.
fn edges_of<'a>(
    findings: &'a [&'a Finding],
) -> impl Iterator<Item = (&'a Finding, &'a EdgeEvidence, String, String)> + 'a {
    findings.iter().flat_map(|f| {
        f.edges
            .iter()
            .map(move |e| (*f, e, end_key(f, &e.a), end_key(f, &e.b)))
    })
}

fn signals_text(e: &EdgeEvidence) -> String {
    e.signals
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes the actor graph of `findings` in `format`.
pub fn write_graph(
    findings: &[&Finding],
    format: GraphFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        GraphFormat::Gexf => write_gexf(findings, out),
        GraphFormat::Graphml => write_graphml(findings, out),
        GraphFormat::Csv => write_csv(findings, out),
    }
}

fn write_gexf(findings: &[&Finding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<gexf xmlns="http://gexf.net/1.3" version="1.3">"#)?;
    writeln!(out, r#"  <meta><creator>skydas</creator></meta>"#)?;
    writeln!(
        out,
        r#"  <graph defaultedgetype="undirected" mode="static">"#
    )?;
    writeln!(
        out,
        r#"    <attributes class="node"><attribute id="platform" title="platform" type="string"/></attributes>"#
    )?;
    writeln!(
        out,
        r#"    <attributes class="edge"><attribute id="signals" title="signals" type="string"/><attribute id="p_value" title="p_value" type="double"/><attribute id="finding" title="finding" type="string"/></attributes>"#
    )?;
    writeln!(out, "    <nodes>")?;
    for n in nodes_of(findings) {
        writeln!(
            out,
            r#"      <node id="{}" label="{}"><attvalues><attvalue for="platform" value="{}"/></attvalues></node>"#,
            escape(&n.key),
            escape(&n.label),
            escape(&n.platform)
        )?;
    }
    writeln!(out, "    </nodes>")?;
    writeln!(out, "    <edges>")?;
    for (id, (f, e, a, b)) in edges_of(findings).enumerate() {
        writeln!(
            out,
            r#"      <edge id="{id}" source="{}" target="{}" weight="{}"><attvalues><attvalue for="signals" value="{}"/><attvalue for="p_value" value="{}"/><attvalue for="finding" value="{}"/></attvalues></edge>"#,
            escape(&a),
            escape(&b),
            e.weight,
            escape(&signals_text(e)),
            e.p_value.unwrap_or(f64::NAN),
            escape(&f.id)
        )?;
    }
    writeln!(out, "    </edges>")?;
    writeln!(out, "  </graph>")?;
    writeln!(out, "</gexf>")
}

fn write_graphml(findings: &[&Finding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#
    )?;
    // Each attribute is declared under its own name as id.
    for (key, of, ty) in [
        ("label", "node", "string"),
        ("platform", "node", "string"),
        ("weight", "edge", "double"),
        ("signals", "edge", "string"),
        ("finding", "edge", "string"),
    ] {
        writeln!(
            out,
            r#"  <key id="{key}" for="{of}" attr.name="{key}" attr.type="{ty}"/>"#
        )?;
    }
    writeln!(out, r#"  <graph id="skydas" edgedefault="undirected">"#)?;
    for n in nodes_of(findings) {
        writeln!(
            out,
            r#"    <node id="{}"><data key="label">{}</data><data key="platform">{}</data></node>"#,
            escape(&n.key),
            escape(&n.label),
            escape(&n.platform)
        )?;
    }
    for (f, e, a, b) in edges_of(findings) {
        writeln!(
            out,
            r#"    <edge source="{}" target="{}"><data key="weight">{}</data><data key="signals">{}</data><data key="finding">{}</data></edge>"#,
            escape(&a),
            escape(&b),
            e.weight,
            escape(&signals_text(e)),
            escape(&f.id)
        )?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

fn write_csv(findings: &[&Finding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "source,target,weight,signals,p_value,pairs,finding")?;
    for (f, e, a, b) in edges_of(findings) {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            csv_field(&a),
            csv_field(&b),
            e.weight,
            csv_field(&signals_text(e)),
            e.p_value.map(|p| p.to_string()).unwrap_or_default(),
            e.pairs.len(),
            csv_field(&f.id)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use skydas_model::{EdgeEvidence, FindingKind, Platform};

    fn finding() -> Finding {
        let actor = |id: &str, h: &str| crate::fixtures::actor(Platform::X, id, h, None);
        let mut f = crate::fixtures::finding(
            "co-1",
            FindingKind::of(&skydas_detect::coordination::KIND),
            0.9,
            (0, 10),
            String::new(),
        );
        f.actors = vec![actor("1", "a&b"), actor("2", "c\"d")];
        f.edges = vec![EdgeEvidence {
            acts: None,
            a: "1".into(),
            b: "2".into(),
            weight: 2.5,
            signals: [("co-link".to_string(), 3u64)].into_iter().collect(),
            p_value: Some(1e-6),
            pairs: vec![],
        }];
        f
    }

    fn render(fmt: GraphFormat) -> String {
        let f = finding();
        let mut out = Vec::new();
        write_graph(&[&f], fmt, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn gexf_has_escaped_nodes_and_resolved_edges() {
        let s = render(GraphFormat::Gexf);
        assert!(s.contains(r#"<node id="x:1" label="a&amp;b">"#), "{s}");
        assert!(s.contains(r#"label="c&quot;d""#));
        assert!(s.contains(r#"source="x:1" target="x:2" weight="2.5""#));
        assert!(s.contains("co-link=3"));
    }

    #[test]
    fn graphml_and_csv_carry_the_same_edge() {
        let g = render(GraphFormat::Graphml);
        assert!(
            g.contains(r#"<edge source="x:1" target="x:2"><data key="weight">2.5</data>"#),
            "{g}"
        );
        let c = render(GraphFormat::Csv);
        let lines: Vec<&str> = c.lines().collect();
        assert_eq!(
            lines[0],
            "source,target,weight,signals,p_value,pairs,finding"
        );
        assert_eq!(lines[1], "x:1,x:2,2.5,co-link=3,0.000001,0,co-1");
        assert_eq!(lines.len(), 2);
    }
}
