//! `callboard bench webhooks`: signed `post_call_transcription` bodies (each its own conversation) over
//! loopback HTTP into a real data dir, through the real public listener, journal and applier, with the same
//! logging `callboard serve` installs. Two phases: as fast as `--concurrency` requests in flight allow
//! (throughput, latency, and the server's own CPU time per webhook, the client's measured apart: it runs on
//! its own runtime and threads), then at a fixed `--rate` (latency at a given load). Not a test: figures
//! depend on the machine; run it in release.

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

use super::{
    thread_cpu::{self, CLIENT_THREADS, CpuSplit},
    webhook_stages::Stages,
};

/// `callboard bench webhooks` options.
#[derive(Debug, clap::Args)]
pub struct WebhookBench {
    /// A data dir to write into [default: a fresh temporary one].
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// Webhooks to send in the throughput phase.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Requests per second in the latency phase; 0 skips it.
    #[arg(long, default_value_t = 1_000)]
    rate: u32,
    /// How long the latency phase sends for (a steady load: long enough for the WAL to go through several
    /// checkpoints).
    #[arg(long, default_value_t = 30)]
    rate_seconds: u32,
    /// Threads for the HTTP client (the server gets the default runtime, as `callboard serve` does).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Print the figures as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

const TEMPLATE: &str =
    include_str!("../../../../tests/fixtures/elevenlabs/webhooks/post_call_transcription.json");

/// Idle runtime threads outlive the run, so their CPU time is still there to read at the end.
const KEEP_ALIVE: Duration = Duration::from_secs(3600);

pub fn run(args: &WebhookBench) -> ExitCode {
    match webhooks(args) {
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

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// What one phase of sending saw.
struct Sent {
    latencies_ms: Vec<f64>,
    errors: usize,
    elapsed: Duration,
}

impl Sent {
    fn per_s(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn p(&self, p: f64) -> f64 {
        percentile(&self.latencies_ms, p)
    }
}

/// Bodies for `count` new conversations (and call sids, and batch recipients), signed up front.
fn signed_bodies(secret: &Secret, tag: &str, count: usize) -> Arc<Vec<(String, String)>> {
    let now = SystemClock.now().as_second();
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    Arc::new(
        (0..count)
            .map(|i| {
                let body = TEMPLATE
                    .replace(
                        "conv_01k2x8a4b5c6d7e8f9g0h1j2k3",
                        &format!("conv_{run_id}_{tag}{i}"),
                    )
                    .replace(
                        "CA5b8f0d2e9a7c41f3b6e2d1c0a9f8e7d6",
                        &format!("CA{run_id}{tag}{i}"),
                    )
                    .replace(
                        "btrec_01k2x7example000000000a",
                        &format!("btrec_{run_id}_{tag}{i}"),
                    );
                let header = sig_elevenlabs::sign(secret.expose(), now, body.as_bytes());
                (body, header)
            })
            .collect(),
    )
}

/// Posts every body with `concurrency` requests in flight, each at its slot of `rate` if given.
async fn send(
    url: &str,
    bodies: Arc<Vec<(String, String)>>,
    concurrency: usize,
    rate: Option<u32>,
) -> Result<Sent, String> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicUsize::new(0));
    let interval = rate.map(|r| Duration::from_secs_f64(1.0 / f64::from(r.max(1))));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (http, url, bodies, next) = (http.clone(), url.to_owned(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, header)) = bodies.get(i) else {
                    break;
                };
                if let Some(every) = interval {
                    tokio::time::sleep_until((started + every.mul_f64(i as f64)).into()).await;
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
    let mut sent = Sent {
        latencies_ms: Vec::with_capacity(bodies.len()),
        errors: 0,
        elapsed: Duration::ZERO,
    };
    for w in workers {
        let (l, e) = w.await.map_err(|e| e.to_string())?;
        sent.latencies_ms.extend(l);
        sent.errors += e;
    }
    sent.elapsed = started.elapsed();
    sent.latencies_ms.sort_by(f64::total_cmp);
    Ok(sent)
}

fn cpu_now() -> CpuSplit {
    thread_cpu::sample().unwrap_or_default()
}

fn ms_per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1000.0 / n.max(1) as f64
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn webhooks(args: &WebhookBench) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data_dir = args.data_dir.clone().unwrap_or_else(|| temp.path().to_owned());
    // What `callboard serve` logs (info to stderr and the data dir's log file) costs here too.
    let _log = callboard_core::logging::init(&data_dir, "callboard");
    let server = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(KEEP_ALIVE)
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .thread_name(CLIENT_THREADS)
        .thread_keep_alive(KEEP_ALIVE)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))?;
    let secret = Secret::random();
    let options = AppOptions {
        data_dir: data_dir.clone(),
        demo: false,
        public_base_url: None,
    };
    let webhook_secret = secret.clone();
    let (app, running) = server.block_on(async move {
        let app = tokio::task::spawn_blocking(move || App::open(options).map_err(|e| e.to_string()))
            .await
            .map_err(|e| e.to_string())??;
        app.set_provider_secrets(ProviderSecrets {
            elevenlabs_webhook: Some(webhook_secret),
            ..Default::default()
        });
        let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
        let (ui, public) = (bind().await, bind().await);
        let (ui, public) = (ui.map_err(|e| e.to_string())?, public.map_err(|e| e.to_string())?);
        let running = listener::start(app.clone(), ui, public, None).map_err(|e| e.to_string())?;
        Ok::<_, String>((app, running))
    })?;
    let url = format!("http://{}/webhooks/elevenlabs", running.public_addr);
    let rate_count = args.rate as usize * args.rate_seconds as usize;
    let (burst, paced) = (
        signed_bodies(&secret, "max", args.count),
        signed_bodies(&secret, "rate", rate_count),
    );

    let load_before = load_average();
    let cpu_start = cpu_now();
    let started = Instant::now();
    let max = client.block_on(send(&url, burst, args.concurrency, None))?;
    server.block_on(app.webhooks.settle());
    let applied_after = started.elapsed();
    let cpu = cpu_now().since(cpu_start);
    let load_after = load_average();

    let max_stages = Stages::take(&app);
    let paced = if rate_count > 0 {
        let sent = client.block_on(send(&url, paced, args.concurrency, Some(args.rate)))?;
        server.block_on(app.webhooks.settle());
        Some((sent, Stages::take(&app)))
    } else {
        None
    };
    let (paced, rate_stages) = paced.unzip();
    server.block_on(running.stop());

    let n = max.latencies_ms.len();
    let server_ms = ms_per(cpu.server, n);
    let per_server_cpu_s = n as f64 / cpu.server.as_secs_f64().max(1e-9);
    println!(
        "webhooks: {} sent, {} errors, concurrency {}, load average {load_before} → {load_after}",
        args.count, max.errors, args.concurrency
    );
    println!(
        "  acknowledged: {:.0}/s over {:.2} s (wall clock, shared machine)",
        max.per_s(),
        max.elapsed.as_secs_f64()
    );
    println!(
        "  latency:      p50 {:.2} ms, p99 {:.2} ms",
        max.p(0.50),
        max.p(0.99)
    );
    println!(
        "  all applied:  {:.2} s after the first request",
        applied_after.as_secs_f64()
    );
    println!(
        "  server CPU:   {server_ms:.3} ms per webhook (received, journaled, applied) = {per_server_cpu_s:.0} \
         webhooks per server CPU-second; client {:.3} ms per webhook",
        ms_per(cpu.client, n)
    );
    max_stages.print(&format!("at concurrency {}", args.concurrency));
    if let Some(p) = &paced {
        println!(
            "  at {}/s:     {} sent at {:.0}/s, {} errors, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            args.rate,
            rate_count,
            p.per_s(),
            p.errors,
            p.p(0.50),
            p.p(0.99),
            p.p(1.0)
        );
    }
    if let Some(stages) = &rate_stages {
        stages.print(&format!("at {}/s", args.rate));
    }
    if args.json {
        let figures = serde_json::json!({
            "per_s": (max.per_s() * 10.0).round() / 10.0,
            "p50_ms": round3(max.p(0.50)),
            "p99_ms": round3(max.p(0.99)),
            "count": args.count,
            "errors": max.errors,
            "concurrency": args.concurrency,
            "applied_s": round3(applied_after.as_secs_f64()),
            "server_cpu_ms_per_webhook": round3(server_ms),
            "per_server_cpu_s": per_server_cpu_s.round(),
            "client_cpu_ms_per_webhook": round3(ms_per(cpu.client, n)),
            "load_average": [load_before, load_after],
            "rate": args.rate,
            "rate_per_s": paced.as_ref().map(|p| (p.per_s() * 10.0).round() / 10.0),
            "rate_p50_ms": paced.as_ref().map(|p| round3(p.p(0.50))),
            "rate_p99_ms": paced.as_ref().map(|p| round3(p.p(0.99))),
            "rate_errors": paced.as_ref().map(|p| p.errors),
            "rate_max_ms": paced.as_ref().map(|p| round3(p.p(1.0))),
            "rate_seconds": args.rate_seconds,
            "stages": max_stages.json(),
            "rate_stages": rate_stages.as_ref().map(Stages::json),
        });
        println!("{figures}");
    }
    let errors = max.errors + paced.map_or(0, |p| p.errors);
    if errors > 0 {
        Err(format!("{errors} requests failed"))
    } else {
        Ok(())
    }
}
