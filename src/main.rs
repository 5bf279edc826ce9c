//! The `fakedesk` binary: parse, set up logging, run, map the outcome to an exit code.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use fakedesk::cli::{Cli, Command};

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
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(fakedesk::serve(args, started)),
        Command::Run(args) => {
            let code = runtime.block_on(fakedesk::run_scenarios(args));
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
        Command::CheckEndpoint(args) => {
            let code = runtime.block_on(fakedesk::check_endpoint(args));
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
        Command::Fuzz(args) => {
            // The run drives its own single-threaded runtime.
            drop(runtime);
            let code = fakedesk::fuzz::command::main(args);
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
        Command::Ca(args) => return ExitCode::from(fakedesk::ca(&args)),
        Command::Tail(args) => {
            let code = runtime.block_on(fakedesk::tail::main(args));
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
        Command::Schema => {
            let schema = fakedesk::scenario::model::schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            return ExitCode::SUCCESS;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::from(2)
        }
    }
}
