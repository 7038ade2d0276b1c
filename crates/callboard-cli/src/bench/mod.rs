//! `callboard bench …`: benchmarks that print figures (never tests). With `--json` the last line is one
//! JSON object of the figures.

mod bridge;
mod engine;
mod fd_limit;
mod import;
mod thread_cpu;
mod webhook_stages;
mod webhooks;

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Concurrent simulated calls through the media bridge until a core passes 70%: max calls and latency.
    Bridge(bridge::BridgeBench),
    /// A simulated week of campaign over many time zones, and next-batch selection from 1,000,000 contacts.
    Engine(engine::EngineBenchArgs),
    /// Import throughput: CSV and XLSX into SQLite, against a Python baseline.
    Import(import::ImportBench),
    /// Signed webhooks over loopback HTTP into a real data dir: throughput and latency.
    Webhooks(webhooks::WebhookBench),
}

pub fn run(bench: Bench) -> ExitCode {
    match bench {
        Bench::Bridge(args) => bridge::run(&args),
        Bench::Engine(args) => engine::run_cli(args),
        Bench::Import(args) => import::run(args),
        Bench::Webhooks(args) => webhooks::run(&args),
    }
}
