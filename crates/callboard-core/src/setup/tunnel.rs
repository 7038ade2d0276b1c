//! The built-in tunnel: a supervised `cloudflared tunnel --url http://127.0.0.1:PORT` child process (a
//! "quick tunnel": no account, a random `*.trycloudflare.com` URL on every start). The supervisor reads the
//! URL from the child's log, publishes it as the public URL (unless the user configured one), shows its
//! state, and restarts the child with a capped backoff when it exits.
//!
//! Why a child process and not ngrok's Rust SDK (`ngrok` 0.19, evaluated for issue 10): the SDK cannot be
//! exercised without ngrok's service and a real authtoken, so nothing about it can be tested offline in CI;
//! it pulls a second axum-core/tower-http stack into the graph; and its free plan (1 GB/month) runs out after
//! a few hundred bridged calls. The supervisor is tested end to end with a fake `cloudflared` (a script that
//! prints a URL the way cloudflared does, and exits to force a restart). A URL the user already has (their
//! own cloudflared with a named tunnel, ngrok's agent, a reverse proxy) goes in Settings → public URL and
//! needs no supervisor at all. Quick tunnels are testing-grade (no SLA, ~200 in-flight requests), which the
//! UI says.

use std::{path::PathBuf, sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
    sync::watch,
};
use tokio_util::sync::CancellationToken;

use crate::{app::App, events::Event};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TunnelStatus {
    /// No tunnel is run by the app (a manual URL, or none).
    #[default]
    Off,
    Starting {
        attempt: u32,
    },
    Up {
        url: String,
    },
    /// The child exited or could not start; it is restarted after `retry_in_s`.
    Down {
        reason: String,
        retry_in_s: u64,
    },
}

/// How to start the tunnel program.
#[derive(Debug, Clone)]
pub struct TunnelCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl TunnelCommand {
    /// `cloudflared tunnel --no-autoupdate --url http://127.0.0.1:{port}`; `CALLBOARD_CLOUDFLARED` names the
    /// binary when it is not on `PATH`.
    pub fn cloudflared(local_port: u16) -> TunnelCommand {
        TunnelCommand {
            program: std::env::var_os("CALLBOARD_CLOUDFLARED")
                .map_or_else(|| "cloudflared".into(), PathBuf::from),
            args: vec![
                "tunnel".into(),
                "--no-autoupdate".into(),
                "--url".into(),
                format!("http://127.0.0.1:{local_port}"),
            ],
        }
    }
}

/// The first `https://….trycloudflare.com` in a log line.
pub fn find_url(line: &str) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || c == '|' || c == '"')
        .find(|w| w.starts_with("https://") && w.trim_end_matches('/').ends_with(".trycloudflare.com"))
        .map(|w| w.trim_end_matches('/').to_owned())
}

/// A running supervisor; dropping the handle does not stop it, [`TunnelHandle::stop`] does.
pub struct TunnelHandle {
    pub status: watch::Receiver<TunnelStatus>,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl TunnelHandle {
    /// Stops the supervisor and kills the child.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the tunnel supervisor failed");
        }
    }
}

const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Starts supervising `command`. Each status change goes to `app.setup` and the watch channel; when the
/// tunnel is up its URL becomes the public URL (below an env or Settings URL) and the self-test runs.
pub fn supervise(app: Arc<App>, command: TunnelCommand, first_backoff: Duration) -> TunnelHandle {
    let (tx, rx) = watch::channel(TunnelStatus::Off);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run(app, command, first_backoff, tx, stop.clone()));
    TunnelHandle {
        status: rx,
        stop,
        task,
    }
}

async fn run(
    app: Arc<App>,
    command: TunnelCommand,
    first_backoff: Duration,
    tx: watch::Sender<TunnelStatus>,
    stop: CancellationToken,
) {
    let publish = |s: TunnelStatus| {
        app.setup.set_tunnel_status(s.clone());
        let _ = tx.send(s);
    };
    let mut backoff = first_backoff;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        publish(TunnelStatus::Starting { attempt });
        let reason = tokio::select! {
            () = stop.cancelled() => break,
            reason = run_once(&app, &command, &publish) => reason,
        };
        if app.setup.tunnel_url_is_set() {
            app.setup.set_tunnel_url(None);
            app.refresh_public_url();
        }
        tracing::warn!(%reason, "the tunnel stopped; restarting");
        app.events.emit(Event::Alert {
            kind: "tunnel".into(),
            campaign_id: None,
            message: format!(
                "The tunnel stopped ({reason}); restarting in {} s",
                backoff.as_secs()
            ),
        });
        publish(TunnelStatus::Down {
            reason,
            retry_in_s: backoff.as_secs(),
        });
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    app.setup.set_tunnel_url(None);
    app.refresh_public_url();
    publish(TunnelStatus::Off);
}

/// Runs the child until it exits; returns why, in words. The child is killed when this future is dropped.
async fn run_once(app: &Arc<App>, command: &TunnelCommand, publish: &impl Fn(TunnelStatus)) -> String {
    let mut child = match Command::new(&command.program)
        .args(&command.args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return format!("cannot start {}: {e}", command.program.display()),
    };
    // cloudflared logs to stderr; read both so neither pipe fills up.
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return "no output pipes".into();
    };
    let mut out = BufReader::new(stdout).lines();
    let mut err = BufReader::new(stderr).lines();
    let (mut out_open, mut err_open) = (true, true);
    while out_open || err_open {
        let line = tokio::select! {
            l = out.next_line(), if out_open => l.ok().flatten().or_else(|| { out_open = false; None }),
            l = err.next_line(), if err_open => l.ok().flatten().or_else(|| { err_open = false; None }),
        };
        if let Some(url) = line.as_deref().and_then(find_url) {
            tracing::info!(%url, "the tunnel is up");
            app.setup.set_tunnel_url(Some(url.clone()));
            app.refresh_public_url();
            publish(TunnelStatus::Up { url });
            let app = app.clone();
            tokio::spawn(async move {
                super::selftest::run(&app).await;
            });
        }
    }
    match child.wait().await {
        Ok(status) => format!("the tunnel program exited ({status})"),
        Err(e) => format!("the tunnel program vanished: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_quick_tunnel_url_in_cloudflared_logs() {
        let line =
            "2026-11-26T22:00:00Z INF |  https://calm-otter-42.trycloudflare.com                      |";
        assert_eq!(
            find_url(line).as_deref(),
            Some("https://calm-otter-42.trycloudflare.com")
        );
        assert_eq!(
            find_url("INF Requesting new quick Tunnel on trycloudflare.com..."),
            None
        );
        assert_eq!(find_url("see https://www.cloudflare.com/website-terms/"), None);
    }
}
