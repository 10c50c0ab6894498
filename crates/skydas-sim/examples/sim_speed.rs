//! Times `simulate` at a given scale: `cargo run --release -p skydas-sim --example sim_speed -- 10 /tmp/sim`.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let scale: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let out = args
        .next()
        .unwrap_or_else(|| "target/sim-speed".to_string());
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let cfg = skydas_sim::SimConfig {
        seed,
        scale,
        ..Default::default()
    };
    let t0 = Instant::now();
    match skydas_sim::simulate(&cfg, std::path::Path::new(&out)) {
        Ok(s) => {
            let secs = t0.elapsed().as_secs_f64();
            println!(
                "items {} actors {} files {} by platform {:?}",
                s.items, s.actors, s.files, s.by_platform
            );
            println!("{secs:.2} s, {:.0} items/s", s.items as f64 / secs);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
