//! The `fakedesk` binary: parse, set up logging, run the one entry point, exit with
//! its status.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use fakedesk::cli::Cli;

// Journal entries are allocated on one worker thread and freed on another when
// evicted; glibc's allocator spent a fifth of the CPU on that pattern under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    fakedesk::exit::main(cli, started).into()
}
