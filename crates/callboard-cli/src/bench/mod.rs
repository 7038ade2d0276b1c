//! `callboard bench …`: benchmarks that print figures (never tests). With `--json` the last line is one
//! JSON object of the figures.

mod engine;

use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    which: Which,
    /// Print the figures as one JSON object on the last line.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Which {
    /// A simulated week of campaign over many time zones, and next-batch selection from 1,000,000 contacts.
    Engine(engine::EngineBenchArgs),
}

pub fn run(args: BenchArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.which {
        Which::Engine(a) => runtime.block_on(engine::run(a)),
    };
    match result {
        Ok(figures) => {
            if args.json {
                println!("{figures}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
