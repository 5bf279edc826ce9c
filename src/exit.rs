//! The one entry point of the `fakedesk` binary: every subcommand, run to its end,
//! as a typed exit status.

use std::process::ExitCode;
use std::time::Instant;

use crate::cli::{Cli, Command};

/// How a subcommand ended; the process exits with its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything went as asked (0).
    Success,
    /// The run worked and found failures: a scenario failed, an endpoint has
    /// problems, a fuzz case broke (1).
    Failed,
    /// Could not run: bad arguments or configuration, a port taken, I/O (2).
    Error,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failed => 1,
            Self::Error => 2,
        }
    }

    /// The status a subcommand's numeric code stands for (0, 1, anything else 2).
    pub fn from_code(code: i32) -> Self {
        match code {
            0 => Self::Success,
            1 => Self::Failed,
            _ => Self::Error,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}

/// Runs the parsed command line's subcommand to its end. `started` is when the
/// process started, for `serve`'s start-up time.
pub fn main(cli: Cli, started: Instant) -> Exit {
    if let Command::Fuzz(args) = cli.command {
        // The run drives its own single-threaded runtime.
        return Exit::from_code(crate::fuzz::command::main(fuzz_args(args)));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Error;
        }
    };
    let code = match cli.command {
        Command::Serve(args) => return serve(&runtime, args, started),
        Command::Run(args) => runtime.block_on(crate::run_scenarios(args)),
        Command::CheckEndpoint(args) => runtime.block_on(crate::check_endpoint(args)),
        Command::Ca(args) => i32::from(crate::ca(&args)),
        Command::Tail(args) => runtime.block_on(crate::tail::main(args)),
        Command::Schema => {
            let schema = crate::scenario::model::schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            0
        }
        Command::Fuzz(_) => unreachable!("handled above"),
    };
    Exit::from_code(code)
}

/// `serve` until stopped; an error is printed with its causes.
fn serve(runtime: &tokio::runtime::Runtime, args: crate::cli::ServeArgs, started: Instant) -> Exit {
    match runtime.block_on(crate::serve(args, started)) {
        Ok(()) => Exit::Success,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            Exit::Error
        }
    }
}

/// The fuzzer's arguments from the command line's.
fn fuzz_args(a: crate::cli::FuzzArgs) -> crate::fuzz::command::Args {
    let tls_dir = a.trust.dir();
    crate::fuzz::command::Args {
        payload: a.payload,
        target: a.target,
        list: a.list,
        mode: a.mode,
        expect: a.expect,
        seed: a.seed,
        cases: a.cases,
        timeout: a.timeout,
        max_time: a.max_time,
        max_shrinks: a.max_shrinks,
        secret: a.secret,
        private_key: a.private_key,
        headers: a.headers,
        replay: a.replay,
        ca_certs: a.trust.ca_certs,
        tls_dir,
    }
}
