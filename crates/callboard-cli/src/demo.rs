//! `callboard demo`: a complete simulated campaign through the real listeners on loopback, at accelerated
//! time, then a summary that must reconcile (exit status 1 when it does not).

use std::{path::PathBuf, process::ExitCode, time::Duration};

use callboard_core::{
    demo_run::{DemoRun, DemoSummary, run},
    providers::sim::{Misbehaviour, OutcomeMix, SimConfig},
};
use clap::Args;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the run's database lives [default: a new temporary directory, removed afterwards].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Contacts to call (spread over Kuwait, India and the US).
    #[arg(long, default_value_t = 500)]
    contacts: usize,
    /// How much faster than real time the calls run.
    #[arg(long, default_value_t = 60.0)]
    speed: f64,
    /// The run seed: the same seed gives the same calls and the same summary.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Percent of webhooks sent twice.
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    duplicate: f64,
    /// Percent of webhooks never sent (repaired by reconciliation).
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    drop: f64,
    /// Send each call's webhooks in a random order.
    #[arg(long)]
    shuffle: bool,
    /// Send the post-call audio before the transcription.
    #[arg(long)]
    audio_first: bool,
    /// Percent of webhooks signed with a wrong secret (they must be rejected).
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    bad_signature: f64,
    /// Percent of calls that never send a terminal event.
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    hang: f64,
    /// Also stream media for answered calls (to `/media/twilio`).
    #[arg(long)]
    media: bool,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run_cli(args: DemoArgs) -> ExitCode {
    let temp = match &args.data_dir {
        Some(_) => None,
        None => match tempfile::tempdir() {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: cannot create a temporary data dir: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| temp.as_ref().map(|t| t.path().to_owned()))
        .unwrap_or_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = DemoRun {
        data_dir,
        contacts: args.contacts,
        timeout: Duration::from_secs(args.timeout),
        sim: SimConfig {
            mix: OutcomeMix::default(),
            speed: args.speed,
            seed: args.seed,
            media: args.media,
            misbehaviour: Misbehaviour {
                duplicate_pct: args.duplicate,
                drop_pct: args.drop,
                shuffle: args.shuffle,
                audio_first: args.audio_first,
                bad_signature_pct: args.bad_signature,
                hang_pct: args.hang,
            },
        },
    };
    match runtime.block_on(run(options)) {
        Ok(summary) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
            } else {
                print_summary(&summary);
            }
            if summary.reconciled {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_summary(s: &DemoSummary) {
    let w = &s.simulator.webhooks;
    println!(
        "Simulated campaign {}: {} contacts, seed {}, {:.1} s",
        s.campaign_id, s.contacts, s.seed, s.elapsed_secs
    );
    println!("Calls by outcome (store):");
    for (outcome, n) in &s.calls_by_outcome {
        let planned = s.simulator.outcomes.get(outcome).copied().unwrap_or(0);
        println!("  {outcome:<10} {n:>6}   (simulator planned {planned})");
    }
    println!(
        "Webhooks: {} planned, {} dropped on purpose, {} sent, {} received, {} duplicates ignored, {} rejected ({} bad signatures sent), {} errors",
        w.planned,
        w.dropped,
        w.sent,
        w.received,
        w.duplicates_ignored,
        w.rejected,
        w.bad_signatures,
        w.errors
    );
    let journal: Vec<String> = s.journal.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("Journal: {}", journal.join(", "));
    println!(
        "Hung calls: {}; ended by reconciliation: {}; media streams: {}; transcript lines: {}",
        s.simulator.hung, s.reconciled_calls, w.media_streams, w.transcript_lines
    );
    if s.reconciled {
        println!("Reconciled: every call has exactly one final state, as planned.");
    } else {
        println!(
            "NOT reconciled ({} wrong calls, {} contacts unfinished):",
            s.wrong_calls, s.unfinished_contacts
        );
        for p in &s.problems {
            println!("  - {p}");
        }
    }
}
