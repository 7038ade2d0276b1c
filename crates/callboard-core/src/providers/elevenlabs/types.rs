//! ElevenLabs REST shapes. Requests are typed exactly (a misspelt field is a 422 at ElevenLabs, so the
//! compiler should catch it here); responses are lenient: every field defaults, numbers may be strings,
//! every enum has an `Unknown` variant, and fields we do not know are kept in `extra`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// `conversation_initiation_client_data` on outbound calls and batch recipients.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientData {
    pub dynamic_variables: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_config_override: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TelephonyCallConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ringing_timeout_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twilio_call_recording_enabled: Option<bool>,
    /// `{mode, actions:[{action:"hang_up", answered_by:[…]}]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twilio_machine_detection: Option<Value>,
}

/// `POST /v1/convai/twilio/outbound-call` and `/v1/convai/sip-trunk/outbound-call`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundCall {
    pub agent_id: String,
    pub agent_phone_number_id: String,
    pub to_number: String,
    pub conversation_initiation_client_data: ClientData,
    /// Twilio only (the SIP endpoint has no such field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_recording_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephony_call_config: Option<TelephonyCallConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recipient {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub phone_number: String,
    pub conversation_initiation_client_data: ClientData,
}

/// `POST /v1/convai/batch-calling/submit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchSubmit {
    pub call_name: String,
    pub agent_id: String,
    pub agent_phone_number_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_time_unix: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    pub recipients: Vec<Recipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephony_call_config: Option<TelephonyCallConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_concurrency_limit: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Pending,
    InProgress,
    Completed,
    Failed,
    Cancelled,
    #[serde(other)]
    Unknown,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Pending => "pending",
            BatchStatus::InProgress => "in_progress",
            BatchStatus::Completed => "completed",
            BatchStatus::Failed => "failed",
            BatchStatus::Cancelled => "cancelled",
            BatchStatus::Unknown => "unknown",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            BatchStatus::Completed | BatchStatus::Failed | BatchStatus::Cancelled
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientStatus {
    Pending,
    Dispatched,
    Initiated,
    InProgress,
    Completed,
    Failed,
    Cancelled,
    Voicemail,
    #[serde(other)]
    Unknown,
}

/// `BatchCallResponse` / `BatchCallDetailedResponse` (the latter adds `recipients`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Batch {
    pub id: String,
    pub name: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub phone_number_id: Option<String>,
    pub phone_provider: Option<String>,
    pub status: Option<BatchStatus>,
    #[serde(deserialize_with = "lenient_i64")]
    pub created_at_unix: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub scheduled_time_unix: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub last_updated_at_unix: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub total_calls_scheduled: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub total_calls_dispatched: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub total_calls_finished: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub retry_count: Option<i64>,
    pub timezone: Option<String>,
    pub recipients: Vec<BatchRecipient>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchRecipient {
    pub id: Option<String>,
    pub phone_number: Option<String>,
    pub status: Option<RecipientStatus>,
    pub conversation_id: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    pub created_at_unix: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub updated_at_unix: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of `GET /v1/convai/batch-calling/workspace`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BatchPage {
    pub batch_calls: Vec<Batch>,
    pub next_doc: Option<String>,
    pub has_more: bool,
}

/// What both outbound-call endpoints answer (`callSid` is camelCase on the wire).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboundCallResponse {
    pub success: bool,
    pub message: Option<String>,
    pub conversation_id: Option<String>,
    #[serde(rename = "callSid", alias = "call_sid")]
    pub call_sid: Option<String>,
    pub sip_call_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConversationStatus {
    Initiated,
    InProgress,
    Processing,
    Done,
    Failed,
    #[serde(other)]
    Unknown,
}

/// The parts of `GET /v1/convai/conversations/{id}` the reconciler reads; the whole body is kept as JSON,
/// since it has the webhook's `data` shape and goes through the same extraction.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ConversationView {
    pub conversation_id: Option<String>,
    pub status: Option<ConversationStatus>,
    pub has_audio: Option<bool>,
}

/// One item of `GET /v1/convai/conversations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationSummary {
    pub conversation_id: String,
    pub agent_id: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    pub start_time_unix_secs: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub call_duration_secs: Option<i64>,
    pub status: Option<ConversationStatus>,
    pub call_successful: Option<String>,
    pub direction: Option<String>,
    pub termination_reason: Option<String>,
    pub transcript_summary: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationSummary>,
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignedUrl {
    pub signed_url: String,
}

/// One agent of `GET /v1/convai/agents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentSummary {
    pub agent_id: String,
    pub name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub created_at_unix_secs: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AgentPage {
    pub agents: Vec<AgentSummary>,
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

/// One number of `GET /v1/convai/phone-numbers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhoneNumber {
    pub phone_number_id: String,
    pub phone_number: String,
    pub label: Option<String>,
    /// `twilio` | `sip_trunk` | …
    pub provider: Option<String>,
    pub assigned_agent: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookSettings {
    pub auth_type: String,
    pub name: String,
    pub webhook_url: String,
}

/// `POST /v1/workspace/webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookCreate {
    pub settings: WebhookSettings,
}

/// The secret is handed out only here.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WebhookCreated {
    pub webhook_id: String,
    pub webhook_secret: Option<String>,
}

/// `PATCH /v1/workspace/webhooks/{id}` (`is_disabled` and `name` are required by ElevenLabs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookUpdate {
    pub is_disabled: bool,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_enabled: Option<bool>,
}

/// One webhook of `GET /v1/workspace/webhooks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Webhook {
    pub webhook_id: String,
    pub name: String,
    pub webhook_url: Option<String>,
    pub is_disabled: bool,
    pub is_auto_disabled: bool,
    pub auth_type: Option<String>,
    pub most_recent_failure_error_code: Option<Value>,
    #[serde(deserialize_with = "lenient_i64")]
    pub most_recent_failure_timestamp: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// The `webhooks` object of ConvAI settings (workspace-wide, or an agent's workspace override).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvaiWebhooks {
    pub post_call_webhook_id: String,
    pub events: Vec<String>,
    pub transcript_format: String,
}

/// Numbers ElevenLabs may send as numbers or strings.
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                "../../../../../tests/fixtures/elevenlabs/rest/",
                $name
            ))
        };
    }

    #[test]
    fn every_rest_fixture_parses() -> Result<(), serde_json::Error> {
        let b: Batch = serde_json::from_str(fixture!("batch_get_response.json"))?;
        assert_eq!(b.status, Some(BatchStatus::InProgress));
        assert_eq!(b.recipients.len(), 3);
        assert_eq!(b.recipients[1].status, Some(RecipientStatus::Failed));
        assert!(b.extra.contains_key("telephony_call_config"));
        let page: BatchPage = serde_json::from_str(fixture!("batch_list_response.json"))?;
        assert_eq!((page.batch_calls.len(), page.has_more), (1, false));
        for text in [
            fixture!("batch_submit_response.json"),
            fixture!("batch_cancel_response.json"),
            fixture!("batch_retry_response.json"),
        ] {
            let b: Batch = serde_json::from_str(text)?;
            assert!(b.id.starts_with("btcal_"));
        }
        let t: OutboundCallResponse = serde_json::from_str(fixture!("twilio_outbound_call_response.json"))?;
        assert_eq!(t.call_sid.as_deref(), Some("CA5b8f0d2e9a7c41f3b6e2d1c0a9f8e7d6"));
        let s: OutboundCallResponse =
            serde_json::from_str(fixture!("sip_trunk_outbound_call_response.json"))?;
        assert!(s.sip_call_id.is_some() && s.success);
        let c: ConversationView = serde_json::from_str(fixture!("get_conversation_response.json"))?;
        assert_eq!(c.status, Some(ConversationStatus::Done));
        let u: SignedUrl = serde_json::from_str(fixture!("get_signed_url_response.json"))?;
        assert!(u.signed_url.starts_with("wss://"));
        let w: WebhookCreated = serde_json::from_str(fixture!("workspace_webhook_create_response.json"))?;
        assert_eq!(w.webhook_id, "whk_example_0001");
        Ok(())
    }

    #[test]
    fn requests_match_the_fixture_shapes() -> Result<(), serde_json::Error> {
        let want: Value = serde_json::from_str(fixture!("twilio_outbound_call_request.json"))?;
        let mut vars = Map::new();
        for k in ["customer_name", "policy_number", "renewal_date"] {
            vars.insert(
                k.into(),
                want["conversation_initiation_client_data"]["dynamic_variables"][k].clone(),
            );
        }
        let req = OutboundCall {
            agent_id: "agent_01k2x7m9q3fz8b6c4n5t0w1r2y".into(),
            agent_phone_number_id: "phnum_01k2x5tw1l1o0example0001".into(),
            to_number: "+14155550123".into(),
            conversation_initiation_client_data: ClientData {
                dynamic_variables: vars,
                conversation_config_override: None,
                user_id: Some("crm-lead-8812".into()),
            },
            call_recording_enabled: Some(false),
            telephony_call_config: Some(TelephonyCallConfig {
                ringing_timeout_secs: Some(30),
                ..Default::default()
            }),
        };
        assert_eq!(serde_json::to_value(&req)?, want);
        Ok(())
    }

    #[test]
    fn unknown_enum_values_and_string_numbers_are_accepted() -> Result<(), serde_json::Error> {
        let b: Batch = serde_json::from_str(
            r#"{"id":"b","status":"paused_by_gremlins","total_calls_finished":"4",
                "recipients":[{"status":"teleported","phone_number":"+1"}]}"#,
        )?;
        assert_eq!(b.status, Some(BatchStatus::Unknown));
        assert_eq!(b.total_calls_finished, Some(4));
        assert_eq!(b.recipients[0].status, Some(RecipientStatus::Unknown));
        Ok(())
    }
}
