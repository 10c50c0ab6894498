//! Recall, false alarms and speed of the lookalike matcher over the bundled test set, or over
//! a file of domains given as the first argument (one per line; `--list` prints the flagged
//! ones as `domain,impersonates,techniques,score`).
//!
//! `--real` measures the matcher on real clone domains instead: `data/real_clones.csv`, the
//! Doppelganger / RRN clones that public indicator files list (each row names its file), with
//! their targets (`data/real_targets.csv`) added to the protected set as an analyst would add
//! them with `--protected`. False alarms are counted on the test set's real benign domains
//! against that same, larger protected set; the operation's own brands
//! (`data/real_operation_brands.csv`, not clones) are reported apart.

use std::time::Instant;

use skydas_detect::lookalike::{Matcher, builtin_allowlist, builtin_popular, builtin_protected};

const TESTSET: &str = include_str!("../data/lookalike_testset.csv");
const REAL_CLONES: &str = include_str!("../data/real_clones.csv");
const REAL_TARGETS: &str = include_str!("../data/real_targets.csv");
const REAL_BRANDS: &str = include_str!("../data/real_operation_brands.csv");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--real") {
        real();
        return;
    }
    let t0 = Instant::now();
    let m =
        Matcher::new(&builtin_protected(), &builtin_allowlist()).with_popular(&builtin_popular());
    let build = t0.elapsed();
    eprintln!(
        "index: {} protected domains built in {:.1} ms",
        m.len(),
        build.as_secs_f64() * 1e3
    );

    if let Some(path) = args.first() {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1)
        });
        let t = Instant::now();
        let mut flagged = 0usize;
        let mut n = 0usize;
        for d in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            n += 1;
            if let Some(r) = m.check(d) {
                flagged += 1;
                if args.iter().any(|a| a == "--list") {
                    println!(
                        "{d},{},{},{:.2}",
                        r.impersonates,
                        r.techniques.join("+"),
                        r.score
                    );
                }
            }
        }
        let s = t.elapsed().as_secs_f64();
        eprintln!("checked {n} domains in {:.3} s, flagged {flagged}", s);
        return;
    }

    let rows: Vec<(&str, &str, &str, bool)> = TESTSET
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() >= 4).then(|| (f[0], f[1], f[2], f[3] == "clone"))
        })
        .collect();
    let (mut tp, mut fneg, mut fp, mut tn, mut wrong) = (0, 0, 0, 0, 0);
    let mut per_tech: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (d, imp, tech, clone) in &rows {
        let r = m.check(d);
        if *clone {
            let e = per_tech.entry(tech).or_default();
            e.1 += 1;
            match r {
                Some(r) => {
                    tp += 1;
                    e.0 += 1;
                    if r.impersonates != *imp {
                        wrong += 1;
                    }
                }
                None => {
                    fneg += 1;
                    println!("missed: {d}");
                }
            }
        } else if let Some(r) = r {
            fp += 1;
            println!("false alarm: {d} -> {} {:?}", r.impersonates, r.techniques);
        } else {
            tn += 1;
        }
    }
    println!("clones {} benign {}", tp + fneg, fp + tn);
    println!(
        "recall {:.3} ({tp}/{}), wrong target {wrong}",
        tp as f64 / (tp + fneg) as f64,
        tp + fneg
    );
    println!(
        "false alarms {:.4} ({fp}/{})",
        fp as f64 / (fp + tn) as f64,
        fp + tn
    );
    for (t, (hit, all)) in per_tech {
        println!("  {t:<10} {hit}/{all}");
    }

    let target = 1_000_000usize;
    let reps = target.div_ceil(rows.len());
    let t = Instant::now();
    let mut hits = 0usize;
    for _ in 0..reps {
        for (d, ..) in &rows {
            hits += usize::from(m.check(std::hint::black_box(d)).is_some());
        }
    }
    let s = t.elapsed().as_secs_f64();
    let n = reps * rows.len();
    println!(
        "speed: {n} lookups in {s:.3} s = {:.0} domains/s on one core ({hits} hits)",
        n as f64 / s
    );
}

/// The first field of each data row of a CSV whose later fields may be quoted.
fn first_fields(csv: &str) -> impl Iterator<Item = (&str, Vec<&str>)> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f)
        })
}

fn real() {
    let mut protected = builtin_protected();
    let targets = skydas_detect::lookalike::load_protected_file(REAL_TARGETS)
        .unwrap_or_else(|e| panic!("data/real_targets.csv: {e}"));
    let added = targets
        .iter()
        .filter(|t| !protected.iter().any(|p| p.domain == t.domain))
        .count();
    protected.extend(targets);
    let m = Matcher::new(&protected, &builtin_allowlist()).with_popular(&builtin_popular());
    println!(
        "protected: {} built in plus {added} targets of the real clones",
        builtin_protected().len()
    );
    let (mut hit, mut all, mut wrong) = (0usize, 0usize, 0usize);
    let mut per_tech: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (d, f) in first_fields(REAL_CLONES) {
        let (imp, tech) = (f[1], f[2]);
        all += 1;
        let e = per_tech.entry(tech).or_default();
        e.1 += 1;
        match m.check(d) {
            Some(r) => {
                hit += 1;
                e.0 += 1;
                if !imp.is_empty() && r.impersonates != imp {
                    wrong += 1;
                    println!("other target: {d} -> {} (listed: {imp})", r.impersonates);
                }
            }
            None => println!("missed: {d} ({tech}, imitates {imp})"),
        }
    }
    println!(
        "real clones: recall {:.3} ({hit}/{all}), other target named {wrong}",
        hit as f64 / all as f64
    );
    for (t, (h, a)) in per_tech {
        println!("  {t:<10} {h}/{a}");
    }
    let (mut fp, mut benign) = (0usize, 0usize);
    for (d, f) in first_fields(TESTSET) {
        if f.get(3) == Some(&"clone") {
            continue;
        }
        benign += 1;
        if let Some(r) = m.check(d) {
            fp += 1;
            println!("false alarm: {d} -> {} {:?}", r.impersonates, r.techniques);
        }
    }
    println!(
        "benign: false alarms {:.4} ({fp}/{benign})",
        fp as f64 / benign as f64
    );
    let (mut flagged, mut brands) = (0usize, 0usize);
    for (d, _) in first_fields(REAL_BRANDS) {
        brands += 1;
        if let Some(r) = m.check(d) {
            flagged += 1;
            println!("own brand flagged: {d} -> {}", r.impersonates);
        }
    }
    println!("the operation's own brands (not clones): {flagged}/{brands} flagged");
}
