//! Durability of the webhook journal against `callboard serve` killed with SIGKILL at random moments: a
//! sender posts signed webhooks (10% duplicates, shuffled), kills the server while requests are in flight,
//! restarts it and retries whatever was not acknowledged. At the end every distinct event is applied exactly
//! once and every acknowledged one is there.

use std::{
    collections::{HashSet, VecDeque},
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{SystemTime, UNIX_EPOCH},
};

use callboard_core::webhooks::sig_elevenlabs;
use futures_util::{StreamExt, stream};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SECRET: &str = "durability-test-secret-0123456789";
const DISTINCT: usize = 1200;
const TEMPLATE: &str =
    include_str!("../../../tests/fixtures/elevenlabs/webhooks/post_call_transcription.json");

/// A small deterministic generator (no dependency, reproducible runs).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below.max(1)
    }
}

/// Starts `callboard serve` on port 0 and returns it with its public URL (read from its first lines).
fn start(data_dir: &std::path::Path) -> Result<(Child, String), Box<dyn std::error::Error>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args([
            "serve",
            "--ui-addr",
            "127.0.0.1:0",
            "--public-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("CALLBOARD_ELEVENLABS_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let public = loop {
        let line = lines.next().ok_or("serve exited before printing its URLs")??;
        if let Some(url) = line.trim().strip_prefix("Public:") {
            break url.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((child, public))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_random_moments_loses_nothing_and_applies_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let mut rng = Lcg(0x5eed_cafe);
    let bodies: Vec<(String, String)> = (0..DISTINCT)
        .map(|i| {
            let body = TEMPLATE
                .replace("conv_01k2x8a4b5c6d7e8f9g0h1j2k3", &format!("conv_dur_{i}"))
                .replace("CA5b8f0d2e9a7c41f3b6e2d1c0a9f8e7d6", &format!("CAdur{i}"))
                .replace("btrec_01k2x7example000000000a", &format!("btrec_dur_{i}"));
            let header = sig_elevenlabs::sign(SECRET, now, body.as_bytes());
            (body, header)
        })
        .collect();
    // Deliveries: every event once plus 10% duplicates, shuffled.
    let mut deliveries: Vec<usize> = (0..DISTINCT).collect();
    for _ in 0..DISTINCT / 10 {
        deliveries.push(rng.next(DISTINCT));
    }
    for i in (1..deliveries.len()).rev() {
        deliveries.swap(i, rng.next(i + 1));
    }
    let mut pending: VecDeque<usize> = deliveries.into();
    let mut acked: HashSet<usize> = HashSet::new();
    // A provider gives up on a delivery that takes too long and retries it later; so does this sender.
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    let mut kills = 0;
    while !pending.is_empty() {
        let (mut child, public) = start(dir.path())?;
        let url = format!("{public}/webhooks/elevenlabs");
        // Kill after a random number of answers, with more requests still in flight.
        let kill_after = 50 + rng.next(250);
        let round: Vec<usize> = (0..(kill_after + 64).min(pending.len()))
            .filter_map(|_| pending.pop_front())
            .collect();
        let last_round = round.len() < kill_after;
        let mut answers = stream::iter(round.iter().copied())
            .map(|i| {
                let (http, url) = (http.clone(), url.clone());
                let (body, header) = bodies[i].clone();
                async move {
                    let r = http
                        .post(url)
                        .header("content-type", "application/json")
                        .header("elevenlabs-signature", header)
                        .body(body)
                        .send()
                        .await;
                    (i, r.map(|r| r.status().as_u16()).unwrap_or(0))
                }
            })
            .buffer_unordered(16);
        let mut answered = 0;
        let mut done = HashSet::new();
        while let Some((i, status)) = answers.next().await {
            answered += 1;
            done.insert(i);
            if status == 200 {
                acked.insert(i);
            } else {
                pending.push_back(i);
            }
            if answered == kill_after && !last_round {
                child.kill()?; // SIGKILL
                kills += 1;
            }
        }
        drop(answers);
        if !last_round {
            child.wait()?;
        } else {
            // The final run: stop it cleanly so it applies everything it has before exiting.
            Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()?;
            child.wait()?;
        }
        for i in round {
            if !done.contains(&i) {
                pending.push_back(i);
            }
        }
    }
    assert!(kills >= 3, "only {kills} kills");
    // One more start and clean stop: whatever a kill left journaled but unapplied is applied on start.
    let (child, _) = start(dir.path())?;
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()?;
    let mut child = child;
    child.wait()?;

    let db = rusqlite::Connection::open(dir.path().join("callboard.db"))?;
    let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0));
    let by_status: Vec<(String, i64)> = db
        .prepare("SELECT status || IFNULL(': ' || error, ''), COUNT(*) FROM call_events GROUP BY 1")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    assert_eq!(
        count("SELECT COUNT(*) FROM call_events WHERE status = 'applied'")?,
        DISTINCT as i64,
        "journal rows by status: {by_status:?}"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM call_events WHERE status IN ('pending', 'failed')")?,
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM calls")?, DISTINCT as i64);
    assert_eq!(
        count("SELECT COUNT(DISTINCT conversation_id) FROM calls")?,
        DISTINCT as i64
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM calls WHERE status != 'completed'")?,
        0
    );
    let mut stmt = db.prepare("SELECT conversation_id FROM calls")?;
    let stored: HashSet<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for i in &acked {
        assert!(
            stored.contains(&format!("conv_dur_{i}")),
            "acknowledged event {i} is missing"
        );
    }
    assert_eq!(acked.len(), DISTINCT);

    // The journal exports with the design's event columns.
    let total = count("SELECT COUNT(*) FROM call_events")?;
    let export = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["export", "events", "--format", format, "--data-dir"])
            .arg(dir.path())
            .output()
    };
    let csv = String::from_utf8(export("csv")?.stdout)?;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,provider,type,idempotency_key,status,error,received_at")
    );
    assert_eq!(lines.count() as i64, total);
    let json: serde_json::Value = serde_json::from_slice(&export("json")?.stdout)?;
    assert_eq!(json.as_array().map(Vec::len), Some(total as usize));
    assert_eq!(json[0]["status"], "applied");
    Ok(())
}
