//! Prints language ID results and raw scores for tab-separated `lang<TAB>text` lines on stdin.
use std::io::BufRead;

fn main() {
    let (mut ok, mut all) = (0, 0);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let Some((want, text)) = line.split_once('\t') else {
            continue;
        };
        let (got, conf) = skydas_normalise::lang::detect(text);
        all += 1;
        if got == want {
            ok += 1;
        } else {
            let scores: Vec<String> = skydas_normalise::lang::debug_scores(text)
                .into_iter()
                .filter(|(_, s)| *s != 0.0)
                .map(|(l, s)| format!("{l}={s:.1}"))
                .collect();
            println!(
                "{want} -> {got} ({conf:.2}) {text:?} [{}]",
                scores.join(" ")
            );
        }
    }
    println!("{ok}/{all}");
}
