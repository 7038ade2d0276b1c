//! Exotel direct dialing: connect the contact to a flow (`Calls/connect.json`) whose Voicebot applet streams
//! to our `/media/exotel/{secret}`, with our call id as `CustomField`, status callbacks to our secret path,
//! `TimeLimit`, `TimeOut` and `Record`; call details for reconciliation. Exotel has no hang-up API: ending
//! or transferring closes the media stream, and the flow continues (a Hangup or Connect applet next).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::http::{self, HttpError};
use crate::{
    app::App,
    clock::to_db,
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, retry::Outcome},
    media::SessionCommand,
    secret::Secret,
    store::call_refs,
};

#[derive(Debug, Clone)]
pub struct ExotelConfig {
    pub account_sid: String,
    pub api_key: String,
    pub api_token: Secret,
    /// `https://api.exotel.com` (Singapore) or `https://api.in.exotel.com` (Mumbai): the region in Settings,
    /// unless `CALLBOARD_EXOTEL_BASE_URL` overrides it.
    pub base_url: String,
    /// The flow (app) id whose first applet is the Voicebot.
    pub flow_id: String,
    /// The random path segment of our Exotel URLs.
    pub webhook_secret: Secret,
    pub ring_timeout_s: u32,
    pub time_limit_s: u32,
    pub record: bool,
}

impl ExotelConfig {
    fn url(&self, tail: &str) -> String {
        format!(
            "{}/v1/Accounts/{}/{tail}",
            self.base_url.trim_end_matches('/'),
            self.account_sid
        )
    }

    /// The connect-to-flow form, in the order of Exotel's documented example.
    pub fn connect_form(&self, public_base: &str, request: &DialRequest) -> Vec<(String, String)> {
        let base = public_base.trim_end_matches('/');
        let mut f: Vec<(String, String)> = Vec::new();
        let mut add = |k: &str, v: String| f.push((k.to_owned(), v));
        add("From", request.phone_e164.clone());
        add("CallerId", request.from_number.clone());
        add(
            "Url",
            format!(
                "http://my.exotel.com/{}/exoml/start_voice/{}",
                self.account_sid, self.flow_id
            ),
        );
        add("CallType", "trans".into());
        add("TimeLimit", self.time_limit_s.to_string());
        add("TimeOut", self.ring_timeout_s.to_string());
        add("Record", if self.record { "true" } else { "false" }.into());
        add(
            "StatusCallback",
            format!("{base}/webhooks/exotel/{}/status", self.webhook_secret.expose()),
        );
        add("StatusCallbackEvents[0]", "terminal".into());
        add("StatusCallbackEvents[1]", "answered".into());
        add("StatusCallbackContentType", "application/json".into());
        add("CustomField", request.call_id.to_string());
        f
    }
}

/// How an Exotel call status maps onto the engine's view.
pub fn reconciled(sid: &str, details: &Value) -> Reconciled {
    let call = &details["Call"];
    let ended = |outcome| Reconciled::Ended {
        provider_call_id: sid.to_owned(),
        outcome,
    };
    match call["Status"].as_str().unwrap_or("") {
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

pub struct ExotelDialer {
    app: Arc<App>,
    config: Arc<ExotelConfig>,
    http: reqwest::Client,
}

impl ExotelDialer {
    pub fn new(app: Arc<App>, config: ExotelConfig) -> ExotelDialer {
        ExotelDialer {
            app,
            config: Arc::new(config),
            http: http::client(),
        }
    }
}

impl Dialer for ExotelDialer {
    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let (app, config, http) = (self.app.clone(), self.config.clone(), self.http.clone());
        Box::pin(async move {
            let public = app.info().public_base_url.ok_or_else(|| {
                DialError::Rejected(
                    "no public URL is set (CALLBOARD_PUBLIC_URL): Exotel could not reach us".into(),
                )
            })?;
            // Callbacks carry CustomField: link it first so even the earliest one finds the call.
            let (call_id, now) = (request.call_id, to_db(app.clock.now()));
            app.store
                .with_tx(move |tx| call_refs::add(tx, call_id, "custom_field", &call_id.to_string(), &now))
                .await
                .map_err(|e| DialError::Unavailable(e.to_string()))?;
            let form = config.connect_form(&public, &request);
            let v = http::post_form(
                &http,
                &config.url("Calls/connect.json"),
                (&config.api_key, config.api_token.expose()),
                &form,
            )
            .await
            .map_err(HttpError::into_dial)?;
            let sid = v["Call"]["Sid"]
                .as_str()
                .ok_or_else(|| DialError::Unavailable("no Call.Sid in Exotel's answer".into()))?;
            Ok(Dialed {
                provider_call_id: sid.to_owned(),
            })
        })
    }

    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        let app = self.app.clone();
        Box::pin(async move {
            if app
                .media_sessions
                .command(call.call_id, SessionCommand::End("hung up by the console".into()))
            {
                Ok(())
            } else {
                Err(DialError::Unsupported(
                    "Exotel has no hang-up API and this call has no live stream to close".into(),
                ))
            }
        })
    }

    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        let (config, http) = (self.config.clone(), self.http.clone());
        Box::pin(async move {
            let Some(sid) = call.provider_call_id.clone() else {
                return Err(DialError::Unavailable(
                    "an Exotel call without a CallSid cannot be looked up".into(),
                ));
            };
            match http::get_json(
                &http,
                &config.url(&format!("Calls/{sid}.json")),
                (&config.api_key, config.api_token.expose()),
            )
            .await
            {
                Ok(v) => Ok(reconciled(&sid, &v)),
                Err(HttpError::Status(404, _)) => Ok(Reconciled::NotFound),
                Err(e) => Err(e.into_dial()),
            }
        })
    }

    fn transfer(&self, call: CallRef, _to_number: String) -> BoxFuture<'static, Result<(), DialError>> {
        let app = self.app.clone();
        Box::pin(async move {
            // The flow's next applet (a Connect to the team's number) takes over once the stream closes.
            if app.media_sessions.command(call.call_id, SessionCommand::HandOver) {
                Ok(())
            } else {
                Err(DialError::Unavailable(
                    "the call has no live stream to hand over".into(),
                ))
            }
        })
    }
}
