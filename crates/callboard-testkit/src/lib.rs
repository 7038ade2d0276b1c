//! Test-only helpers: a manual clock, a temp data dir with a running app and both listeners on port 0, and
//! small clients for the UI listener's RPC. Tests bind first and pass the sockets in, so nothing waits for
//! readiness.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use callboard_core::{
    app::{App, AppOptions},
    clock::Clock,
    listener::{self, Running},
    store::Store,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tempfile::TempDir;

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// 2026-03-08T12:00:00Z, a Sunday (and the US spring-forward day), unless a test needs another.
    pub fn default_start() -> Timestamp {
        Timestamp::from_second(1_772_971_200).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.checked_add(by).unwrap_or(*now);
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An app on a temp data dir (file-backed, like production) with a manual clock.
pub struct TestApp {
    pub app: Arc<App>,
    pub clock: ManualClock,
    pub dir: TempDir,
}

impl TestApp {
    pub fn new() -> std::io::Result<TestApp> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join(callboard_core::app::DATABASE_FILE))
            .map_err(std::io::Error::other)?;
        let clock = ManualClock::new(ManualClock::default_start());
        let app = App::new(
            store,
            Arc::new(clock.clone()),
            AppOptions {
                data_dir: dir.path().to_owned(),
                demo: false,
                public_base_url: None,
            },
        );
        Ok(TestApp { app, clock, dir })
    }

    /// Starts both listeners on `127.0.0.1:0`.
    pub async fn serve(self) -> std::io::Result<Served> {
        let ui = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let public = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let running = listener::start(self.app.clone(), ui, public, None)?;
        Ok(Served {
            test: self,
            running,
            http: reqwest::Client::new(),
        })
    }
}

/// A [`TestApp`] with its listeners running.
pub struct Served {
    pub test: TestApp,
    pub running: Running,
    pub http: reqwest::Client,
}

/// What an RPC answered: the HTTP status and the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The `code` of an error answer.
    pub fn code(&self) -> &str {
        self.body.get("code").and_then(Value::as_str).unwrap_or("")
    }
}

impl Served {
    pub fn ui_base(&self) -> String {
        format!("http://{}", self.running.ui_addr)
    }

    pub fn public_base(&self) -> String {
        format!("http://{}", self.running.public_addr)
    }

    pub fn ui_addr(&self) -> SocketAddr {
        self.running.ui_addr
    }

    pub fn token(&self) -> &str {
        self.test.app.ui_token().expose()
    }

    /// `POST /api/rpc` with the token.
    pub async fn rpc(&self, cmd: &str, args: Value) -> reqwest::Result<Answer> {
        let body = serde_json::json!({ "cmd": cmd, "args": args });
        let resp = self
            .http
            .post(format!("{}/api/rpc", self.ui_base()))
            .bearer_auth(self.token())
            .json(&body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok(Answer {
            status,
            body: resp.json().await.unwrap_or(Value::Null),
        })
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }
}
