//! Twilio direct dialing: a REST client (create call with inline TwiML `<Connect><Stream>` to our public
//! `/media/twilio`, hang up, redirect to `<Dial>` for a transfer, fetch for reconciliation) and the
//! [`Dialer`] on top of it. The create-call body follows twilio-python's byte for byte in key order and
//! repetition (`StatusCallbackEvent` once per value); the stream carries our call id and its one-time token
//! as `<Parameter>`s, because Twilio drops query strings from stream URLs.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::http::{self, HttpError};
use crate::{
    app::App,
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, retry::Outcome},
    secret::Secret,
};

/// Account and call options (from the credential resolver; see `providers::carriers`).
#[derive(Debug, Clone)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: Secret,
    /// `https://api.twilio.com` unless overridden (`CALLBOARD_TWILIO_BASE_URL`).
    pub base_url: String,
    /// Ring time, seconds.
    pub ring_timeout_s: u32,
    /// Longest call, seconds.
    pub time_limit_s: u32,
    pub record: bool,
    pub machine_detection: bool,
}

impl TwilioConfig {
    /// An account with the default call settings (30 s ring, 15 min limit, recording and AMD on).
    pub fn new(account_sid: String, auth_token: Secret, base_url: String) -> TwilioConfig {
        TwilioConfig {
            account_sid,
            auth_token,
            base_url,
            ring_timeout_s: 30,
            time_limit_s: 900,
            record: true,
            machine_detection: true,
        }
    }
}

/// XML-escapes an attribute value or text.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The public base as a WebSocket base (`https` → `wss`).
pub fn ws_base(public_base: &str) -> String {
    let b = public_base.trim_end_matches('/');
    if let Some(r) = b.strip_prefix("https://") {
        format!("wss://{r}")
    } else if let Some(r) = b.strip_prefix("http://") {
        format!("ws://{r}")
    } else {
        b.to_owned()
    }
}

/// The TwiML that connects a call's audio to our bridge.
pub fn connect_twiml(public_base: &str, call_id: i64, token: &str) -> String {
    let base = public_base.trim_end_matches('/');
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect><Stream statusCallback=\"{}\" \
         statusCallbackMethod=\"POST\" url=\"{}\"><Parameter name=\"call_id\" value=\"{call_id}\" />\
         <Parameter name=\"token\" value=\"{}\" /></Stream></Connect></Response>",
        xml_escape(&format!("{base}/webhooks/twilio/stream")),
        xml_escape(&format!("{}/media/twilio", ws_base(base))),
        xml_escape(token)
    )
}

/// Talks to Twilio's REST API for one account.
#[derive(Debug)]
pub struct TwilioClient {
    config: TwilioConfig,
    http: reqwest::Client,
}

impl TwilioClient {
    pub fn new(config: TwilioConfig) -> TwilioClient {
        TwilioClient {
            config,
            http: http::client(),
        }
    }

    fn calls_url(&self, sid: Option<&str>) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        let acct = &self.config.account_sid;
        match sid {
            Some(s) => format!("{base}/2010-04-01/Accounts/{acct}/Calls/{s}.json"),
            None => format!("{base}/2010-04-01/Accounts/{acct}/Calls.json"),
        }
    }

    /// The create-call form for a request, in twilio-python's key order.
    pub fn create_form(
        &self,
        public_base: &str,
        request: &DialRequest,
        token: &str,
    ) -> Vec<(String, String)> {
        let base = public_base.trim_end_matches('/');
        let c = &self.config;
        let mut f: Vec<(String, String)> = Vec::new();
        let mut add = |k: &str, v: String| f.push((k.to_owned(), v));
        add("To", request.phone_e164.clone());
        add("From", request.from_number.clone());
        add("StatusCallback", format!("{base}/webhooks/twilio/status"));
        for e in ["initiated", "ringing", "answered", "completed"] {
            add("StatusCallbackEvent", e.into());
        }
        add("StatusCallbackMethod", "POST".into());
        add("Timeout", c.ring_timeout_s.to_string());
        if c.record {
            add("Record", "true".into());
            add(
                "RecordingStatusCallback",
                format!("{base}/webhooks/twilio/recording"),
            );
        }
        if c.machine_detection {
            add("MachineDetection", "Enable".into());
        }
        if c.record {
            for e in ["in-progress", "completed", "absent"] {
                add("RecordingStatusCallbackEvent", e.into());
            }
        }
        if c.machine_detection {
            add("AsyncAmd", "true".into());
            add("AsyncAmdStatusCallback", format!("{base}/webhooks/twilio/amd"));
        }
        add("TimeLimit", c.time_limit_s.to_string());
        add("Twiml", connect_twiml(base, request.call_id, token));
        f
    }

    async fn post(&self, url: String, form: &[(String, String)]) -> Result<Value, HttpError> {
        http::post_form(
            &self.http,
            &url,
            (&self.config.account_sid, self.config.auth_token.expose()),
            form,
        )
        .await
    }

    pub async fn create(
        &self,
        public_base: &str,
        request: &DialRequest,
        token: &str,
    ) -> Result<String, HttpError> {
        let form = self.create_form(public_base, request, token);
        let v = self.post(self.calls_url(None), &form).await?;
        v["sid"]
            .as_str()
            .map(str::to_owned)
            .ok_or(HttpError::Shape("no sid in Twilio's answer"))
    }

    pub async fn update(&self, sid: &str, form: &[(&str, &str)]) -> Result<Value, HttpError> {
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.post(self.calls_url(Some(sid)), &form).await
    }

    pub async fn fetch(&self, sid: &str) -> Result<Value, HttpError> {
        http::get_json(
            &self.http,
            &self.calls_url(Some(sid)),
            (&self.config.account_sid, self.config.auth_token.expose()),
        )
        .await
    }

    /// Sends the live call to a human: new TwiML `<Dial>`, which also ends the `<Connect><Stream>`.
    pub async fn redirect_to_dial(&self, sid: &str, number: &str) -> Result<(), HttpError> {
        let twiml = format!("<Response><Dial>{}</Dial></Response>", xml_escape(number));
        self.update(sid, &[("Twiml", &twiml)]).await.map(|_| ())
    }
}

/// How a Twilio call status maps onto the engine's view.
pub fn reconciled(sid: &str, call: &Value) -> Reconciled {
    let status = call["status"].as_str().unwrap_or("");
    let machine = call["answered_by"]
        .as_str()
        .is_some_and(|a| a.starts_with("machine") || a == "fax");
    let ended = |outcome| Reconciled::Ended {
        provider_call_id: sid.to_owned(),
        outcome,
    };
    match status {
        "completed" if machine => ended(Outcome::Voicemail),
        "completed" => ended(Outcome::Answered),
        "busy" => ended(Outcome::Busy),
        "no-answer" => ended(Outcome::NoAnswer),
        "failed" => ended(Outcome::Failed),
        "canceled" => ended(Outcome::Cancelled),
        _ => Reconciled::InProgress {
            provider_call_id: sid.to_owned(),
        },
    }
}

/// Places calls through Twilio.
pub struct TwilioDialer {
    app: Arc<App>,
    client: Arc<TwilioClient>,
}

impl TwilioDialer {
    pub fn new(app: Arc<App>, client: Arc<TwilioClient>) -> TwilioDialer {
        TwilioDialer { app, client }
    }
}

fn sid_of(call: &CallRef) -> Result<String, DialError> {
    call.provider_call_id
        .clone()
        .ok_or_else(|| DialError::Unavailable("the call has no Twilio CallSid yet".into()))
}

impl Dialer for TwilioDialer {
    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let (app, client) = (self.app.clone(), self.client.clone());
        Box::pin(async move {
            let public = app.info().public_base_url.ok_or_else(|| {
                DialError::Rejected(
                    "no public URL is set (CALLBOARD_PUBLIC_URL): Twilio could not reach us".into(),
                )
            })?;
            let token = app.media_token(request.call_id);
            let sid = client
                .create(&public, &request, &token)
                .await
                .map_err(HttpError::into_dial)?;
            Ok(Dialed {
                provider_call_id: sid,
            })
        })
    }

    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let sid = sid_of(&call)?;
            // `completed` ends an answered call; a ringing one needs `canceled`.
            match client.update(&sid, &[("Status", "completed")]).await {
                Ok(_) => Ok(()),
                Err(HttpError::Status(..)) => client
                    .update(&sid, &[("Status", "canceled")])
                    .await
                    .map(|_| ())
                    .map_err(HttpError::into_dial),
                Err(e) => Err(e.into_dial()),
            }
        })
    }

    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let Some(sid) = call.provider_call_id.clone() else {
                // Twilio has no idempotency key on create; without the sid the call cannot be looked up.
                return Err(DialError::Unavailable(
                    "a Twilio call without a CallSid cannot be looked up".into(),
                ));
            };
            match client.fetch(&sid).await {
                Ok(v) => Ok(reconciled(&sid, &v)),
                Err(HttpError::Status(404, _)) => Ok(Reconciled::NotFound),
                Err(e) => Err(e.into_dial()),
            }
        })
    }

    fn transfer(&self, call: CallRef, to_number: String) -> BoxFuture<'static, Result<(), DialError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let sid = sid_of(&call)?;
            client
                .redirect_to_dial(&sid, &to_number)
                .await
                .map_err(HttpError::into_dial)
        })
    }
}
