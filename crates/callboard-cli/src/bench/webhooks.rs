//! `callboard bench webhooks`: signed `post_call_transcription` bodies (each its own conversation) over
//! loopback HTTP at a fixed concurrency into a real data dir, through the real public listener, journal and
//! applier. Prints throughput and request latency (p50/p99), then how long the applier took to catch up.
//! Not a test: figures depend on the machine; run it in release.

use std::{
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use callboard_core::{
    app::{App, AppOptions},
    clock::{Clock, SystemClock},
    listener,
    secret::Secret,
    webhooks::{ProviderSecrets, sig_elevenlabs},
};

/// `callboard bench webhooks` options.
#[derive(Debug, clap::Args)]
pub struct WebhookBench {
    /// A data dir to write into [default: a fresh temporary one].
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// Webhooks to send.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Send at this many requests per second instead of as fast as possible (latency at a given load).
    #[arg(long)]
    rate: Option<u32>,
    /// Print the figures as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

const TEMPLATE: &str =
    include_str!("../../../../tests/fixtures/elevenlabs/webhooks/post_call_transcription.json");

pub fn run(args: &WebhookBench) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(webhooks(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn webhooks(args: &WebhookBench) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data_dir = args.data_dir.clone().unwrap_or_else(|| temp.path().to_owned());
    let options = AppOptions {
        data_dir: data_dir.clone(),
        demo: false,
        public_base_url: None,
    };
    let app = tokio::task::spawn_blocking(move || App::open(options).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())??;
    let secret = Secret::random();
    app.set_provider_secrets(ProviderSecrets {
        elevenlabs_webhook: Some(secret.clone()),
        ..Default::default()
    });
    let ui = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let public = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let running = listener::start(app.clone(), ui, public, None).map_err(|e| e.to_string())?;
    let url = format!("http://{}/webhooks/elevenlabs", running.public_addr);

    // Every body is a different conversation (and call sid, and batch recipient), signed up front.
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let now = SystemClock.now().as_second();
    let bodies: Arc<Vec<(String, String)>> = Arc::new(
        (0..args.count)
            .map(|i| {
                let body = TEMPLATE
                    .replace("conv_01k2x8a4b5c6d7e8f9g0h1j2k3", &format!("conv_{run_id}_{i}"))
                    .replace("CA5b8f0d2e9a7c41f3b6e2d1c0a9f8e7d6", &format!("CA{run_id}{i}"))
                    .replace("btrec_01k2x7example000000000a", &format!("btrec_{run_id}_{i}"));
                let header = sig_elevenlabs::sign(secret.expose(), now, body.as_bytes());
                (body, header)
            })
            .collect(),
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicUsize::new(0));
    let interval = args
        .rate
        .map(|r| Duration::from_secs_f64(1.0 / f64::from(r.max(1))));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (http, url, bodies, next) = (http.clone(), url.clone(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, header)) = bodies.get(i) else {
                    break;
                };
                if let Some(every) = interval {
                    tokio::time::sleep_until((started + every * i as u32).into()).await;
                }
                let t = Instant::now();
                let sent = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("elevenlabs-signature", header)
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::with_capacity(args.count);
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.map_err(|e| e.to_string())?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    app.webhooks.settle().await;
    let applied_after = started.elapsed().as_secs_f64();
    running.stop().await;
    latencies.sort_by(f64::total_cmp);
    let per_s = latencies.len() as f64 / elapsed;
    let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
    println!(
        "webhooks: {} sent, {errors} errors, concurrency {}",
        args.count, args.concurrency
    );
    println!("  acknowledged: {per_s:.0}/s over {elapsed:.2} s");
    println!("  latency:      p50 {p50:.2} ms, p99 {p99:.2} ms");
    println!("  all applied:  {applied_after:.2} s after the first request");
    if args.json {
        let figures = serde_json::json!({
            "per_s": (per_s * 10.0).round() / 10.0,
            "p50_ms": (p50 * 1000.0).round() / 1000.0,
            "p99_ms": (p99 * 1000.0).round() / 1000.0,
            "count": args.count,
            "errors": errors,
            "concurrency": args.concurrency,
            "rate": args.rate,
            "applied_s": (applied_after * 1000.0).round() / 1000.0,
        });
        println!("{figures}");
    }
    if errors > 0 {
        Err(format!("{errors} requests failed"))
    } else {
        Ok(())
    }
}
