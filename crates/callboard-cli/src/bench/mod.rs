//! `callboard bench …`: benchmarks that print figures (never tests). With `--json` the last line is one
//! JSON object of the figures.

mod bridge;
mod engine;
mod engine_floor;
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

/// With `CALLBOARD_SQL_PROFILE` set: the writer's statements by total time, per `unit` (a call, a row), each
/// line prefixed with `bench`.
pub(crate) fn print_statement_profile(
    bench: &str,
    store: &callboard_core::store::Store,
    unit: &str,
    units: u64,
) {
    let Some(profile) = &store.stats().statements else {
        return;
    };
    let totals = profile.totals();
    let all: f64 = totals.iter().map(|t| t.time.as_secs_f64()).sum();
    let runs: u64 = totals.iter().map(|t| t.runs).sum();
    let per_unit = runs as f64 / units.max(1) as f64;
    // Multi-row statements (the import's) run far less than once per row.
    let digits = if per_unit < 1.0 { 3 } else { 1 };
    println!(
        "{bench}: SQL on the writer: {all:.2} s in {runs} statement runs ({per_unit:.digits$} per {unit}); the 15 costliest:"
    );
    for t in totals.iter().take(15) {
        let sql: String = t.sql.chars().take(100).collect();
        println!(
            "{bench}:   {:6.2} s {:>8} runs {:7.2} µs  {sql}",
            t.time.as_secs_f64(),
            t.runs,
            t.time.as_secs_f64() * 1e6 / t.runs.max(1) as f64
        );
    }
}

/// With `CALLBOARD_SQL_PROFILE` set: the writer's WAL frames since the last [`forget_frames`] by the table or
/// index they hold, per `unit` (a call, a row), `digits` decimals, each line prefixed with `bench`.
///
/// [`forget_frames`]: callboard_core::store::forget_frames
pub(crate) fn print_wal_frames(
    bench: &str,
    frames: Option<Vec<(String, u64)>>,
    unit: &str,
    units: u64,
    digits: usize,
) {
    let Some(frames) = frames else {
        return;
    };
    println!("{bench}: WAL frames per {unit} by the table or index they hold:");
    for (name, n) in frames.iter().take(15) {
        println!("{bench}:   {:6.digits$}  {name}", *n as f64 / units.max(1) as f64);
    }
}
