//! `callboard bench bridge`: N concurrent simulated calls on loopback through the real public listener and
//! media bridge. Each fake carrier connects to `/media/twilio` (signed), sends 20 ms µ-law frames in real
//! time and echoes marks; a fake ElevenLabs agent answers every chunk with the same audio. N grows until a
//! bridge thread passes 70% of a core. The bridge runs on its own two-thread runtime (threads named
//! `bridge`), the load on another, so CPU is read per bridge thread from /proc. A level also ends the run
//! when fewer than 90% of the frames come back (the bridge, or a busy machine, fell behind). The added
//! latency is what the bridge reports measuring at its own sockets (`media::latency`: carrier frame read →
//! agent socket written, agent audio read → carrier socket written), so the fake carriers' and agent's
//! scheduling is not in it; the full loop carrier → bridge → agent → bridge → carrier is printed next to it.
//! Calls per core come from CPU time per echoed frame, which a shared machine distorts far less.

use std::{
    process::ExitCode,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::Engine as _;
use callboard_core::{
    app::{App, AppOptions},
    listener,
    media::{
        Bridge,
        agent::AgentBackend,
        elevenlabs_ws::{ElevenLabsAgents, ElevenLabsConfig},
    },
    secret::Secret,
    webhooks::{ProviderSecrets, sig_twilio},
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

#[derive(Debug, clap::Args)]
pub struct BridgeBench {
    /// Stop growing at this many calls.
    #[arg(long, default_value_t = 1500)]
    max_calls: usize,
    /// Seconds measured at each level.
    #[arg(long, default_value_t = 3)]
    window: u64,
    /// Measure these levels (comma-separated) instead of the standard growth 10, 50, 100, 200, …
    #[arg(long, value_delimiter = ',')]
    levels: Vec<usize>,
    /// Busiest bridge thread's share of a core that ends the run.
    #[arg(long, default_value_t = 0.70)]
    cpu_limit: f64,
    /// Python's calls per core (a run with `--external-url` against `src/bench/python_bridge.py`).
    #[arg(long)]
    python_calls_per_core: Option<f64>,
    /// Drive another bridge at this `ws://` URL instead of ours (the Python comparison).
    #[arg(long)]
    external_url: Option<String>,
    /// That bridge's process id, whose CPU is measured (as one thread: asyncio runs on one).
    #[arg(long)]
    external_pid: Option<u32>,
    #[arg(long)]
    json: bool,
}

const CLIP: &[u8] = include_bytes!("../../../../tests/fixtures/telephony/audio/clip_8k_mulaw.raw");
const TOKEN: &str = "bench-twilio-token";
/// Frames remembered for matching echoes (80 s at 50 frames a second; fits in 18 bits).
const RING: usize = 4096;
const LEVELS: [usize; 14] = [
    10, 50, 100, 200, 300, 400, 500, 600, 700, 800, 1000, 1200, 1500, 2000,
];

type Latencies = Arc<Mutex<Vec<f64>>>;
/// A level that kept up: calls, loop p50 and p99 (ms), CPU µs per frame, added p50 and p99 (ms).
type Level = (usize, f64, f64, f64, Option<(f64, f64)>);

pub fn run(args: &BridgeBench) -> ExitCode {
    let build = |name: &'static str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
    };
    let (bridge_rt, load_rt) = match (build("bridge"), build("load")) {
        (Ok(b), Ok(l)) => (b, l),
        _ => {
            eprintln!("error: cannot start the async runtimes");
            return ExitCode::FAILURE;
        }
    };
    match load_rt.block_on(bench(args, &bridge_rt)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// CPU seconds used so far by each thread whose name starts with `prefix` (in process `pid`, or this one).
fn thread_cpu(prefix: &str) -> Vec<(String, f64)> {
    thread_cpu_of("self", prefix)
}

fn thread_cpu_of(pid: &str, prefix: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        if !name.starts_with(prefix) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
        out.push((
            t.file_name().to_string_lossy().into_owned(),
            (ticks(11) + ticks(12)) / 100.0,
        ));
    }
    out
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures (the machine may be shared: read the figures with it).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

async fn fake_agent() -> Result<String, String> {
    use axum::{
        Json, Router,
        extract::ws::{Message as Ax, WebSocketUpgrade},
        routing::get,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let router = Router::new()
        .route(
            "/v1/convai/conversation/get-signed-url",
            get(move || async move { Json(json!({"signed_url": format!("ws://{addr}/ws")})) }),
        )
        .route(
            "/ws",
            get(|ws: WebSocketUpgrade| async move {
                ws.on_upgrade(|mut socket| async move {
                    let mut id = 0u64;
                    while let Some(Ok(msg)) = socket.recv().await {
                        let Ax::Text(text) = msg else { continue };
                        let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                        let reply = if let Some(chunk) = v["user_audio_chunk"].as_str() {
                            id += 1;
                            json!({"type": "audio", "audio_event": {"audio_base_64": chunk, "event_id": id}})
                        } else if v["type"] == "conversation_initiation_client_data" {
                            json!({"type": "conversation_initiation_metadata", "conversation_initiation_metadata_event": {
                                "conversation_id": "bench", "agent_output_audio_format": "ulaw_8000", "user_input_audio_format": "ulaw_8000"}})
                        } else {
                            continue;
                        };
                        if socket.send(Ax::Text(reply.to_string().into())).await.is_err() {
                            break;
                        }
                    }
                })
            }),
        );
    tokio::spawn(async move {
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{addr}"))
}

/// One fake carrier call: frames in real time until `stop_at`, latency of each echoed frame recorded.
async fn carrier_call(
    url: String,
    agent_ws: String,
    call_id: i64,
    token: String,
    latencies: Latencies,
    failures: Arc<Mutex<usize>>,
) {
    let fail = || {
        if let Ok(mut f) = failures.lock() {
            *f += 1;
        }
    };
    let sig = sig_twilio::sign(TOKEN, &url, &[], sig_twilio::Algorithm::Sha1);
    let Ok(mut req) = url.as_str().into_client_request() else {
        return fail();
    };
    let Ok(value) = sig.parse() else { return fail() };
    req.headers_mut().insert("x-twilio-signature", value);
    let Ok((ws, _)) = tokio_tungstenite::connect_async_with_config(req, None, true).await else {
        return fail();
    };
    let (mut tx, mut rx) = ws.split();
    let sid = format!("MZbench{call_id}");
    let start = json!({"event": "start", "sequenceNumber": "1", "streamSid": sid, "start": {"streamSid": sid, "callSid": format!("CAbench{call_id}"),
        "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"call_id": call_id.to_string(), "token": token, "agent_ws": agent_ws}}});
    if tx.send(Message::text(start.to_string())).await.is_err() {
        return fail();
    }
    // Each frame carries its sequence number in its first three bytes (values below 0x40, which survive
    // µ-law decode and re-encode), so an echo is matched to its frame even if the bridge drops some.
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; RING]));
    let sent_rx = sent.clone();
    let (mark_tx, mut mark_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let reader = tokio::spawn(async move {
        while let Some(Ok(Message::Text(text))) = rx.next().await {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match v["event"].as_str() {
                Some("media") => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(v["media"]["payload"].as_str().unwrap_or(""))
                        .unwrap_or_default();
                    if bytes.len() < 3 {
                        continue;
                    }
                    let seq =
                        (usize::from(bytes[0]) << 12) | (usize::from(bytes[1]) << 6) | usize::from(bytes[2]);
                    let t = sent_rx.lock().ok().and_then(|mut q| q[seq % RING].take());
                    if let (Some(t), Ok(mut l)) = (t, latencies.lock()) {
                        l.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                Some("mark") => {
                    let _ = mark_tx.send(text.to_string());
                }
                _ => {}
            }
        }
    });
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut seq = 2u64;
    let mut offset = (call_id as usize * 160) % CLIP.len();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let end = (offset + 160).min(CLIP.len());
                let mut frame_bytes = [0u8; 160];
                frame_bytes[..end - offset].copy_from_slice(&CLIP[offset..end]);
                let n = (seq as usize) % RING;
                frame_bytes[0] = ((n >> 12) & 63) as u8;
                frame_bytes[1] = ((n >> 6) & 63) as u8;
                frame_bytes[2] = (n & 63) as u8;
                let payload = base64::engine::general_purpose::STANDARD.encode(frame_bytes);
                offset = if end == CLIP.len() { 0 } else { end };
                let frame = format!(
                    r#"{{"event":"media","sequenceNumber":"{seq}","media":{{"track":"inbound","chunk":"{}","timestamp":"{}","payload":"{payload}"}},"streamSid":"{sid}"}}"#,
                    seq - 1, (seq - 2) * 20
                );
                seq += 1;
                if let Ok(mut q) = sent.lock() {
                    q[n] = Some(Instant::now());
                }
                if tx.send(Message::text(frame)).await.is_err() {
                    break;
                }
            }
            mark = mark_rx.recv() => match mark {
                // Played at once: echo it like Twilio would.
                Some(m) => if tx.send(Message::text(m)).await.is_err() { break },
                None => break,
            },
        }
    }
    reader.abort();
}

/// What the fake carriers dial: our bridge (in this process) or another one.
struct Target {
    url: String,
    /// `/proc` name of the process to measure and the thread-name prefix to pick its threads.
    pid: String,
    threads: &'static str,
    app: Option<Arc<App>>,
    ids: Vec<i64>,
    _running: Option<listener::Running>,
}

async fn our_bridge(
    max: usize,
    bridge_rt: &tokio::runtime::Runtime,
    agent_base: String,
    temp: &std::path::Path,
) -> Result<Target, String> {
    let options = AppOptions {
        data_dir: temp.to_owned(),
        demo: false,
        public_base_url: None,
    };
    let app = tokio::task::spawn_blocking(move || App::open(options).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())??;
    app.set_provider_secrets(ProviderSecrets {
        twilio_auth_token: Some(Secret::new(TOKEN)),
        ..Default::default()
    });
    let agents: Arc<dyn AgentBackend> = Arc::new(ElevenLabsAgents::new(
        ElevenLabsConfig {
            api_key: Secret::new("bench"),
            base_url: agent_base,
            default_agent: Some("bench".into()),
        },
        Duration::from_secs(10),
    ));
    app.media_sessions.configure(Bridge {
        agents: Some(agents),
        answer_timeout: Duration::from_secs(10),
        ..Bridge::default()
    });
    app.media_sessions.latency.set_enabled(true);
    let ids: Vec<i64> = app
        .store
        .with_tx(move |tx| {
            let now = "2026-01-05T10:00:00Z";
            let mut ids = Vec::with_capacity(max);
            for i in 0..max {
                tx.execute(
                    "INSERT INTO calls(provider, provider_call_id, status, created_at, updated_at) VALUES ('twilio', ?1, 'in_progress', ?2, ?2)",
                    rusqlite::params![format!("CAbench{i}"), now],
                )?;
                ids.push(tx.last_insert_rowid());
            }
            Ok::<_, callboard_core::store::StoreError>(ids)
        })
        .await
        .map_err(|e| e.to_string())?;
    let running = {
        let app = app.clone();
        let _guard = bridge_rt.enter();
        let bind = || -> Result<tokio::net::TcpListener, String> {
            let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            l.set_nonblocking(true).map_err(|e| e.to_string())?;
            tokio::net::TcpListener::from_std(l).map_err(|e| e.to_string())
        };
        listener::start(app, bind()?, bind()?, None).map_err(|e| e.to_string())?
    };
    Ok(Target {
        url: format!("ws://{}/media/twilio", running.public_addr),
        pid: "self".into(),
        threads: "bridge",
        app: Some(app),
        ids,
        _running: Some(running),
    })
}

async fn bench(args: &BridgeBench, bridge_rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let agent_base = fake_agent().await?;
    let agent_ws = format!("{}/ws", agent_base.replace("http://", "ws://"));
    let (max, fd_note) = super::fd_limit::room_for(args.max_calls.max(1));
    let target = match (&args.external_url, args.external_pid) {
        (Some(url), Some(pid)) => Target {
            url: url.clone(),
            pid: pid.to_string(),
            threads: "",
            app: None,
            ids: (1..=max as i64).collect(),
            _running: None,
        },
        (Some(_), None) => return Err("--external-url needs --external-pid (whose CPU to measure)".into()),
        _ => our_bridge(max, bridge_rt, agent_base, temp.path()).await?,
    };
    let latencies: Latencies = Arc::default();
    let failures: Arc<Mutex<usize>> = Arc::default();
    let mut calls = Vec::new();
    let mut best: Option<Level> = None;
    println!(
        "bench bridge ({}): growing concurrent calls until a bridge thread passes {:.0}% of a core",
        if target.app.is_some() {
            "callboard"
        } else {
            "external"
        },
        args.cpu_limit * 100.0
    );
    if let Some(note) = fd_note {
        println!("  {note}");
    }
    println!("  load average at start: {}", load_average());
    // Calls only ever grow, so levels go smallest first.
    let mut levels = if args.levels.is_empty() {
        LEVELS.to_vec()
    } else {
        args.levels.clone()
    };
    levels.sort_unstable();
    levels.dedup();
    for level in levels.into_iter().filter(|l| *l <= max) {
        while calls.len() < level {
            let id = target.ids[calls.len()];
            let token = target
                .app
                .as_ref()
                .map_or_else(String::new, |a| a.media_token(id));
            calls.push(tokio::spawn(carrier_call(
                target.url.clone(),
                agent_ws.clone(),
                id,
                token,
                latencies.clone(),
                failures.clone(),
            )));
        }
        // Let the new calls connect and settle, then measure a window.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        if let Ok(mut l) = latencies.lock() {
            l.clear();
        }
        let probe = target.app.as_ref().map(|a| &a.media_sessions.latency);
        if let Some(p) = probe {
            p.take();
        }
        let before = thread_cpu_of(&target.pid, target.threads);
        let load_before: f64 = thread_cpu("load").iter().map(|(_, t)| t).sum();
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs(args.window.max(1))).await;
        let wall = started.elapsed().as_secs_f64();
        let after = thread_cpu_of(&target.pid, target.threads);
        let load = (thread_cpu("load").iter().map(|(_, t)| t).sum::<f64>() - load_before) / wall;
        let busiest = after
            .iter()
            .map(|(tid, t)| t - before.iter().find(|(b, _)| b == tid).map_or(0.0, |(_, b)| *b))
            .fold(0.0f64, f64::max)
            / wall;
        let total =
            (after.iter().map(|(_, t)| t).sum::<f64>() - before.iter().map(|(_, t)| t).sum::<f64>()) / wall;
        let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
        l.sort_by(f64::total_cmp);
        let (p50, p99) = (percentile(&l, 0.5), percentile(&l, 0.99));
        // What the bridge added, by its own socket timestamps (not measured for an external bridge).
        let added = probe.map(|p| {
            let (inbound, outbound) = p.take();
            let both = inbound.merged(&outbound);
            let ms = |s: &callboard_core::media::latency::LatencySummary, q: f64| s.percentile_us(q) as f64 / 1000.0;
            println!(
                "        added by the bridge (its socket read → its socket write): in p50 {:.3} ms p99 {:.3} ms, out p50 {:.3} ms p99 {:.3} ms, both p50 {:.3} ms p99 {:.3} ms ({} frames)",
                ms(&inbound, 0.5), ms(&inbound, 0.99), ms(&outbound, 0.5), ms(&outbound, 0.99), ms(&both, 0.5), ms(&both, 0.99), both.count()
            );
            (ms(&both, 0.5), ms(&both, 0.99))
        });
        let failed = failures.lock().map(|f| *f).unwrap_or(0);
        // CPU per echoed frame does not depend on how loaded the machine is; calls per core follow from it.
        let us_per_frame = if l.is_empty() {
            0.0
        } else {
            total * wall * 1e6 / l.len() as f64
        };
        let kept_up = l.len() as f64 >= 0.9 * level as f64 * 50.0 * wall;
        println!(
            "  {level:>5} calls ({failed} failed): busiest bridge thread {:>5.1}% of a core, bridge total {total:.2} cores (load generator {load:.2}), loop p50 {p50:.2} ms p99 {p99:.2} ms, {} frames echoed ({}), {us_per_frame:.0} µs CPU per frame",
            busiest * 100.0,
            l.len(),
            if kept_up { "kept up" } else { "fell behind" }
        );
        if busiest > args.cpu_limit || failed > 0 || !kept_up {
            break;
        }
        best = Some((level, p50, p99, us_per_frame, added));
    }
    for c in &calls {
        c.abort();
    }
    let (max_calls, p50, p99, us_per_frame, added) = best.unwrap_or((0, 0.0, 0.0, 0.0, None));
    // A call is 50 frames a second each way.
    let calls_per_core = if us_per_frame > 0.0 {
        1e6 / (50.0 * us_per_frame)
    } else {
        0.0
    };
    let python_ratio = args
        .python_calls_per_core
        .filter(|p| *p > 0.0)
        .map(|p| calls_per_core / p);
    println!("  load average at the end: {}", load_average());
    let added_text = added.map_or_else(
        || "added latency not measured (external bridge)".to_owned(),
        |(a50, a99)| format!("added latency p50 {a50:.3} ms, p99 {a99:.3} ms"),
    );
    println!(
        "  highest level under the limit: {max_calls} calls, {added_text}, loop latency p50 {p50:.2} ms, p99 {p99:.2} ms, {us_per_frame:.1} µs CPU per frame, {calls_per_core:.0} calls per bridge core"
    );
    match python_ratio {
        Some(r) => println!("  python ratio (calls per core): {r:.1}x"),
        None => {
            println!("  python ratio: not measured (pass --python-calls-per-core from an --external-url run)")
        }
    }
    if args.json {
        println!(
            "{}",
            json!({"max_calls": max_calls, "p50_added_ms": added.map(|a| a.0), "p99_added_ms": added.map(|a| a.1),
                   "loop_p50_ms": p50, "loop_p99_ms": p99, "calls_per_core": calls_per_core, "cpu_us_per_frame": us_per_frame,
                   "python_ratio": python_ratio, "load_average": load_average(),
                   "added_is": "bridge socket read to bridge socket write, both directions", "loop_is": "full loop through bridge and fake agent"})
        );
    }
    Ok(())
}
