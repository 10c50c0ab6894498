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
    quiet_on_closed_pipe();
    let cli = cli::Cli::parse();
    init_logging(cli.global.verbose);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) if closed_pipe(&e) => ExitCode::SUCCESS,
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

/// A reader that stops early (`skydas search nato | head`) closes the pipe: the output it did
/// not want is dropped and the command ends quietly with success, like `rg` and `git log`,
/// whether the write failed in `print!` (which panics) or in a writer (which errs).
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = match c.downcast_ref::<std::io::Error>() {
            Some(io) => Some(io.kind()),
            None => c
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
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
