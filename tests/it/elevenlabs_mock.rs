//! A stateful ElevenLabs stand-in on `127.0.0.1:0`: it checks `xi-api-key`, records every request, serves
//! the fixture shapes, keeps batches, conversations and webhooks a test can change, and answers scripted
//! failures (with `Retry-After`) ahead of the normal answer for a path.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

pub const KEY: &str = "xi-test-key-0123456789";

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/elevenlabs/rest/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub body: Value,
}

#[derive(Debug, Default)]
pub struct MockState {
    pub seen: Vec<Seen>,
    /// (method path) → answers to give before the normal one: (status, retry-after, body).
    pub script: HashMap<String, VecDeque<(u16, Option<String>, Value)>>,
    pub batches: Vec<Value>,
    pub conversations: HashMap<String, Value>,
    pub webhooks: Vec<Value>,
    /// After a scripted 5xx on submit, still create the batch (a reply lost after ElevenLabs acted).
    pub submit_despite_error: bool,
    /// After a scripted 5xx on an outbound call, still start the conversation (the reply was lost).
    pub call_despite_error: bool,
    pub next_conversation: u32,
}

#[derive(Clone, Default)]
pub struct Mock {
    pub state: Arc<Mutex<MockState>>,
}

impl Mock {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn seen(&self, method: &str, path: &str) -> Vec<Seen> {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .cloned()
            .collect()
    }

    pub fn script(&self, method: &str, path: &str, status: u16, retry_after: Option<&str>, body: Value) {
        self.lock()
            .script
            .entry(format!("{method} {path}"))
            .or_default()
            .push_back((status, retry_after.map(str::to_owned), body));
    }

    /// Starts the server; returns its base URL.
    pub async fn start(&self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mock = self.clone();
        let app = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let mock = mock.clone();
            async move { mock.handle(method, uri, headers, body) }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(format!("http://{addr}"))
    }

    fn handle(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let path = uri.path().to_owned();
        let query: HashMap<String, String> = uri
            .query()
            .map(|q| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.replace("%2B", "+")))
                    .collect()
            })
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let mut st = self.lock();
        st.seen.push(Seen {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            body: body.clone(),
        });
        if headers.get("xi-api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
            return reply(
                401,
                None,
                json!({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
            );
        }
        let key = format!("{method} {path}");
        if let Some((status, after, b)) = st.script.get_mut(&key).and_then(VecDeque::pop_front) {
            if status >= 500 && key == "POST /v1/convai/batch-calling/submit" && st.submit_despite_error {
                let _ = create_batch(&mut st, &body);
            }
            if status >= 500 && key.ends_with("/outbound-call") && st.call_despite_error {
                let _ = start_conversation(&mut st, &body);
            }
            return reply(status, after, b);
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method.as_str(), parts.as_slice()) {
            ("POST", ["v1", "convai", "batch-calling", "submit"]) => {
                if body.get("agent_phone_number_id").is_none() {
                    return reply(422, None, fixture("validation_error_422.json"));
                }
                let b = create_batch(&mut st, &body);
                reply(200, None, without_recipients(&b))
            }
            ("GET", ["v1", "convai", "batch-calling", "workspace"]) => {
                // Pages of one, newest first, `last_doc` = the id the previous page ended with.
                let all: Vec<Value> = st.batches.iter().rev().map(without_recipients).collect();
                let start = match query.get("last_doc") {
                    Some(d) => all
                        .iter()
                        .position(|b| b["id"] == *d)
                        .map_or(all.len(), |i| i + 1),
                    None => 0,
                };
                let page: Vec<Value> = all.iter().skip(start).take(1).cloned().collect();
                let more = start + 1 < all.len();
                let next = page.last().map(|b| b["id"].clone()).filter(|_| more);
                reply(
                    200,
                    None,
                    json!({"batch_calls": page, "next_doc": next, "has_more": more}),
                )
            }
            ("GET", ["v1", "convai", "batch-calling", id]) => {
                match st.batches.iter().find(|b| b["id"] == *id) {
                    Some(b) => reply(200, None, b.clone()),
                    None => reply(404, None, json!({"detail": "batch not found"})),
                }
            }
            ("POST", ["v1", "convai", "batch-calling", id, op @ ("cancel" | "retry")]) => {
                let Some(b) = st.batches.iter_mut().find(|b| b["id"] == *id) else {
                    return reply(404, None, json!({"detail": "batch not found"}));
                };
                if *op == "cancel" {
                    b["status"] = json!("cancelled");
                    if let Some(rs) = b["recipients"].as_array_mut() {
                        for r in rs {
                            r["status"] = json!("cancelled");
                        }
                    }
                } else {
                    b["status"] = json!("pending");
                    b["retry_count"] = json!(b["retry_count"].as_i64().unwrap_or(0) + 1);
                }
                let out = without_recipients(b);
                reply(200, None, out)
            }
            ("GET", ["v1", "convai", "batch-calling", _, "export"]) => {
                (StatusCode::OK, "phone_number,status\n+14155550123,completed\n").into_response()
            }
            ("POST", ["v1", "convai", kind @ ("twilio" | "sip-trunk"), "outbound-call"]) => {
                if body.get("agent_phone_number_id").is_none() {
                    return reply(422, None, fixture("validation_error_422.json"));
                }
                let conv = start_conversation(&mut st, &body);
                if *kind == "twilio" {
                    reply(
                        200,
                        None,
                        json!({"success": true, "message": "Success", "conversation_id": conv,
                        "callSid": format!("CA{conv}")}),
                    )
                } else {
                    reply(
                        200,
                        None,
                        json!({"success": true, "message": "Success", "conversation_id": conv,
                        "sip_call_id": format!("sip-{conv}")}),
                    )
                }
            }
            ("GET", ["v1", "convai", "conversations"]) => {
                let items: Vec<Value> = st
                    .conversations
                    .values()
                    .map(|c| {
                        json!({"conversation_id": c["conversation_id"], "agent_id": c["agent_id"],
                        "status": c["status"], "start_time_unix_secs": c["metadata"]["start_time_unix_secs"]})
                    })
                    .collect();
                reply(
                    200,
                    None,
                    json!({"conversations": items, "next_cursor": null, "has_more": false}),
                )
            }
            ("GET", ["v1", "convai", "conversations", id]) => match st.conversations.get(*id) {
                Some(c) => reply(200, None, c.clone()),
                None => reply(404, None, json!({"detail": "Conversation not found"})),
            },
            ("GET", ["v1", "convai", "conversations", id, "audio"]) => {
                if st.conversations.contains_key(*id) {
                    (
                        StatusCode::OK,
                        [("content-type", "audio/mpeg")],
                        b"ID3\x03fake-mp3".to_vec(),
                    )
                        .into_response()
                } else {
                    reply(404, None, json!({"detail": "Conversation not found"}))
                }
            }
            ("GET", ["v1", "convai", "conversation", "get-signed-url"]) => {
                reply(200, None, fixture("get_signed_url_response.json"))
            }
            ("GET", ["v1", "convai", "agents"]) => {
                // Two pages.
                if query.get("cursor").map(String::as_str) == Some("page2") {
                    reply(
                        200,
                        None,
                        json!({"agents": [{"agent_id": "agent_b", "name": "Collections"}],
                        "next_cursor": null, "has_more": false}),
                    )
                } else {
                    reply(
                        200,
                        None,
                        json!({"agents": [{"agent_id": "agent_01k2x7m9q3fz8b6c4n5t0w1r2y",
                        "name": "Renewal reminder", "created_at_unix_secs": 1767268000, "tags": ["x"]}],
                        "next_cursor": "page2", "has_more": true}),
                    )
                }
            }
            ("PATCH", ["v1", "convai", "agents", id]) => reply(200, None, json!({"agent_id": id})),
            ("GET", ["v1", "convai", "phone-numbers"]) => reply(
                200,
                None,
                json!([{"phone_number": "+14155550100", "label": "Main", "phone_number_id":
                    "phnum_01k2x5tw1l1o0example0001", "provider": "twilio", "assigned_agent": null},
                   {"phone_number": "+442079460000", "label": "SIP", "phone_number_id":
                    "phnum_01k2x5s1pexample00000002", "provider": "sip_trunk"}]),
            ),
            ("POST", ["v1", "workspace", "webhooks"]) => {
                let created = fixture("workspace_webhook_create_response.json");
                st.webhooks.push(json!({"webhook_id": created["webhook_id"], "name": body["settings"]["name"],
                    "webhook_url": body["settings"]["webhook_url"], "is_disabled": false, "is_auto_disabled": false,
                    "auth_type": "hmac", "created_at_unix": 1767268000}));
                reply(200, None, created)
            }
            ("GET", ["v1", "workspace", "webhooks"]) => reply(200, None, json!({"webhooks": st.webhooks})),
            ("PATCH", ["v1", "workspace", "webhooks", id]) => {
                let Some(w) = st.webhooks.iter_mut().find(|w| w["webhook_id"] == *id) else {
                    return reply(404, None, json!({"detail": "webhook not found"}));
                };
                if body.get("is_disabled").is_none() || body.get("name").is_none() {
                    return reply(
                        422,
                        None,
                        json!({"detail": [{"loc": ["body", "name"], "msg": "Field required"}]}),
                    );
                }
                w["is_disabled"] = body["is_disabled"].clone();
                w["is_auto_disabled"] = json!(false);
                reply(200, None, json!({}))
            }
            ("PATCH", ["v1", "convai", "settings"]) => {
                reply(200, None, json!({"webhooks": body["webhooks"]}))
            }
            _ => reply(
                404,
                None,
                json!({"detail": format!("no mock for {method} {path}")}),
            ),
        }
    }
}

fn start_conversation(st: &mut MockState, body: &Value) -> String {
    st.next_conversation += 1;
    let conv = format!("conv_mock_{}", st.next_conversation);
    let mut c = fixture("get_conversation_response.json");
    c["conversation_id"] = json!(conv);
    c["status"] = json!("in-progress");
    c["conversation_initiation_client_data"]["user_id"] =
        body["conversation_initiation_client_data"]["user_id"].clone();
    c["metadata"]["phone_call"]["external_number"] = body["to_number"].clone();
    c["metadata"]["batch_call"] = Value::Null;
    st.conversations.insert(conv.clone(), c);
    conv
}

fn create_batch(st: &mut MockState, body: &Value) -> Value {
    let n = st.batches.len() + 1;
    let mut b = fixture("batch_submit_response.json");
    b["id"] = json!(format!("btcal_mock_{n}"));
    b["name"] = body["call_name"].clone();
    b["agent_id"] = body["agent_id"].clone();
    let recipients: Vec<Value> = body["recipients"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({"id": format!("btrec_mock_{n}_{i}"), "phone_number": r["phone_number"],
            "status": "pending", "conversation_id": null,
            "conversation_initiation_client_data": r["conversation_initiation_client_data"]})
        })
        .collect();
    b["total_calls_scheduled"] = json!(recipients.len());
    b["recipients"] = json!(recipients);
    st.batches.push(b.clone());
    b
}

fn without_recipients(b: &Value) -> Value {
    let mut b = b.clone();
    if let Some(o) = b.as_object_mut() {
        o.remove("recipients");
    }
    b
}

fn reply(status: u16, retry_after: Option<String>, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, axum::Json(body)).into_response();
    if let Some(a) = retry_after
        && let Ok(v) = a.parse()
    {
        resp.headers_mut().insert("retry-after", v);
    }
    resp
}
