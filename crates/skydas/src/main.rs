//! `skydas`: the command line. Glue only: it wires importers, the normaliser, the store, the
//! detectors and the exporters together, and prints. Results go to stdout, logs and progress to
//! stderr; `--json` makes stdout one JSON document.

mod admin;
mod cli;
mod commands;
mod render;

use std::process::ExitCode;

use clap::Parser;

/// Import and detection allocate and free millions of small strings across threads; with the
/// system allocator a fifth of a scan went to `malloc` and `free`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.global.verbose);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            // A value the caller got wrong is bad usage, like a bad flag.
            let usage = matches!(
                e.downcast_ref::<skydas_app::AppError>(),
                Some(skydas_app::AppError::Usage(_))
            );
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SKYDAS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
