//! Test-only helpers: a manual clock, a temp data dir with a running app and both listeners on port 0, and
//! small clients for the UI listener's RPC. Tests bind first and pass the sockets in, so nothing waits for
//! readiness.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use callboard_core::clock::Clock;
use callboard_core::{
    app::{App, AppOptions},
    listener::{self, Running},
    secret::Secret,
    store::Store,
    webhooks::{ProviderSecrets, sig_elevenlabs, sig_twilio},
};
use jiff::Timestamp;
use serde_json::Value;
use tempfile::TempDir;

pub use callboard_core::clock::ManualClock;
pub use week::{InstantDialer, WEEK_ZONES};

mod week;
/// The public base URL test apps are configured with (what Twilio signs; the tunnel's address).
pub const PUBLIC_BASE_URL: &str = "https://calm-otter-42.ngrok-free.app";
/// Webhook secrets test apps are configured with.
pub const ELEVENLABS_SECRET: &str = "wsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
pub const TWILIO_TOKEN: &str = "0123456789abcdef0123456789abcdef";
pub const EXOTEL_SECRET: &str = "exo-path-secret-5f1e2d3c4b5a";

/// An app on a temp data dir (file-backed, like production) with a manual clock.
pub struct TestApp {
    pub app: Arc<App>,
    pub clock: ManualClock,
    pub dir: TempDir,
}

impl TestApp {
    pub fn new() -> std::io::Result<TestApp> {
        TestApp::reopen(tempfile::tempdir()?, ManualClock::default_start())
    }

    /// An app on an existing data dir (a restart), with the same secrets and a clock at `now`.
    pub fn reopen(dir: TempDir, now: Timestamp) -> std::io::Result<TestApp> {
        let store = Store::open(&dir.path().join(callboard_core::app::DATABASE_FILE))
            .map_err(std::io::Error::other)?;
        let clock = ManualClock::new(now);
        let app = App::new(
            store,
            Arc::new(clock.clone()),
            AppOptions {
                data_dir: dir.path().to_owned(),
                demo: false,
                public_base_url: Some(PUBLIC_BASE_URL.to_owned()),
            },
        );
        app.set_provider_secrets(ProviderSecrets {
            elevenlabs_webhook: Some(Secret::new(ELEVENLABS_SECRET)),
            twilio_auth_token: Some(Secret::new(TWILIO_TOKEN)),
            exotel_webhook: Some(Secret::new(EXOTEL_SECRET)),
        });
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

    /// POSTs `body` to `/webhooks/elevenlabs`, signed at the clock's now (or with `header` if given).
    pub async fn post_elevenlabs(&self, body: &[u8], header: Option<String>) -> reqwest::Result<Answer> {
        let now = self.test.clock.now().as_second();
        let header = header.unwrap_or_else(|| sig_elevenlabs::sign(ELEVENLABS_SECRET, now, body));
        let resp = self
            .http
            .post(format!("{}/webhooks/elevenlabs", self.public_base()))
            .header("content-type", "application/json")
            .header("elevenlabs-signature", header)
            .body(body.to_vec())
            .send()
            .await?;
        answer(resp).await
    }

    /// POSTs a form to `/webhooks/twilio/{kind}`, signed over the public base URL as Twilio would.
    pub async fn post_twilio(&self, kind: &str, form_body: &str, token: &str) -> reqwest::Result<Answer> {
        let path = format!("/webhooks/twilio/{kind}");
        let params = sig_twilio::parse_form(form_body.as_bytes());
        let sig = sig_twilio::sign(
            token,
            &format!("{PUBLIC_BASE_URL}{path}"),
            &params,
            sig_twilio::Algorithm::Sha1,
        );
        let resp = self
            .http
            .post(format!("{}{path}", self.public_base()))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(form_body.to_owned())
            .send()
            .await?;
        answer(resp).await
    }

    /// POSTs to `/webhooks/exotel/{secret}/{kind}` with the given content type.
    pub async fn post_exotel(
        &self,
        secret: &str,
        kind: &str,
        content_type: &str,
        body: &str,
    ) -> reqwest::Result<Answer> {
        let resp = self
            .http
            .post(format!("{}/webhooks/exotel/{secret}/{kind}", self.public_base()))
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await?;
        answer(resp).await
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// A dialer that records every request and answers as told: accept by default, or reject / be unreachable
/// for chosen numbers. `reconcile` answers from what it accepted.
#[derive(Debug, Default)]
pub struct FakeDialer {
    pub log: Mutex<Vec<callboard_core::engine::DialRequest>>,
    pub reject: Mutex<std::collections::HashSet<String>>,
    pub unreachable: Mutex<std::collections::HashSet<String>>,
    /// Numbers whose call the provider places but whose answer is lost on the way back (a crash or a
    /// timeout after the provider accepted).
    pub lose_reply: Mutex<std::collections::HashSet<String>>,
}

impl FakeDialer {
    pub fn dialed(&self) -> Vec<callboard_core::engine::DialRequest> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl callboard_core::engine::Dialer for FakeDialer {
    fn dial(
        &self,
        request: callboard_core::engine::DialRequest,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<callboard_core::engine::Dialed, callboard_core::engine::DialError>,
    > {
        use callboard_core::engine::{DialError, Dialed};
        let phone = request.phone_e164.clone();
        let result = if self
            .reject
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&phone)
        {
            Err(DialError::Rejected("number not in service".into()))
        } else if self
            .unreachable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&phone)
        {
            Err(DialError::Unavailable("timeout".into()))
        } else {
            Ok(Dialed {
                provider_call_id: format!("fake-{}", request.dial_key),
            })
        };
        let lost = self
            .lose_reply
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&phone);
        if result.is_ok() {
            self.log.lock().unwrap_or_else(|p| p.into_inner()).push(request);
        }
        let result = if lost && result.is_ok() {
            Err(DialError::Unavailable("reply lost".into()))
        } else {
            result
        };
        Box::pin(async move { result })
    }

    fn hang_up(
        &self,
        _call: callboard_core::engine::CallRef,
    ) -> futures_util::future::BoxFuture<'static, Result<(), callboard_core::engine::DialError>> {
        Box::pin(async { Ok(()) })
    }

    fn reconcile(
        &self,
        call: callboard_core::engine::CallRef,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<callboard_core::engine::Reconciled, callboard_core::engine::DialError>,
    > {
        use callboard_core::engine::Reconciled;
        let known = self
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|r| r.dial_key == call.dial_key);
        let answer = if known {
            Reconciled::InProgress {
                provider_call_id: format!("fake-{}", call.dial_key),
            }
        } else {
            Reconciled::NotFound
        };
        Box::pin(async move { Ok(answer) })
    }
}

async fn answer(resp: reqwest::Response) -> reqwest::Result<Answer> {
    let status = resp.status().as_u16();
    Ok(Answer {
        status,
        body: resp.json().await.unwrap_or(Value::Null),
    })
}
