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
mod tests;
