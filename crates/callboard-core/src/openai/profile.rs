//! The OpenAI Realtime agent profile: model, voice, language, first message, turn detection, the
//! organisation config the system prompt is rendered from (name, services, hours, policies, escalation
//! contacts, intake schema) and the escalation policy. Voice, language and first message live on the
//! `agents` row; the rest in `agent_openai_profiles` (migration 0013). [`OpenaiProfile::validate`] is the
//! one gate: nothing is stored that the prompt renderer or the session config could choke on.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    engine::window::{CallingWindow, Hours},
    validation::{self, ValidationError},
};

/// The default model: the one OpenAI's own SIP guide uses.
pub const DEFAULT_MODEL: &str = "gpt-realtime-2.1";
/// Models a profile may pick (GA ids without an announced shutdown date).
pub const MODELS: [&str; 4] = [
    "gpt-realtime-2.1",
    "gpt-realtime-2.1-mini",
    "gpt-realtime-2",
    "gpt-realtime-1.5",
];
/// Built-in voices; a custom voice is written `voice_…`.
pub const VOICES: [&str; 10] = [
    "marin", "cedar", "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse",
];
/// Input transcription models that are not scheduled for shutdown.
pub const TRANSCRIPTION_MODELS: [&str; 1] = ["gpt-realtime-whisper"];
/// Values the intake schema's `urgency` field must offer (the escalation tool uses the same scale).
pub const URGENCY_LEVELS: [&str; 4] = ["low", "normal", "high", "emergency"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eagerness {
    Low,
    Medium,
    High,
    Auto,
}

/// How the model decides the caller finished speaking (`audio.input.turn_detection`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TurnDetection {
    ServerVad {
        threshold: f64,
        prefix_padding_ms: u32,
        silence_duration_ms: u32,
        /// Silence after the assistant spoke that prompts it to speak again (useful on calls).
        idle_timeout_ms: Option<u32>,
        create_response: bool,
        interrupt_response: bool,
    },
    SemanticVad {
        eagerness: Eagerness,
        create_response: bool,
        interrupt_response: bool,
    },
}

impl Default for TurnDetection {
    fn default() -> Self {
        TurnDetection::ServerVad {
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            idle_timeout_ms: Some(8000),
            create_response: true,
            interrupt_response: true,
        }
    }
}

/// When the organisation answers calls: weekly hours in its own zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgHours {
    /// IANA zone, e.g. `Asia/Kuwait`.
    pub timezone: String,
    pub window: CallingWindow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationContact {
    pub name: String,
    #[serde(default)]
    pub role: String,
    /// E.164.
    pub phone: String,
}

/// What the system prompt is rendered from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    pub name: String,
    #[serde(default)]
    pub services: Vec<String>,
    pub hours: OrgHours,
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub escalation_contacts: Vec<EscalationContact>,
    /// JSON Schema of the structured intake; must be an object schema with an `urgency` property.
    pub intake_schema: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// E.164 number a call is transferred (SIP: referred) to.
    pub transfer_to: Option<String>,
    pub transfer_on_escalation: bool,
}

/// Everything about an OpenAI Realtime agent, as the API shows and takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenaiProfile {
    pub model: String,
    pub voice: String,
    pub language: String,
    #[serde(default)]
    pub first_message: String,
    #[serde(default)]
    pub turn_detection: TurnDetection,
    pub transcription_model: String,
    pub org: OrgConfig,
    #[serde(default)]
    pub escalation: Escalation,
}

/// The intake schema a new profile starts with.
pub fn default_intake_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "caller_name": { "type": "string", "description": "The caller's full name" },
            "callback_number": { "type": "string", "description": "A number to call back, digits only" },
            "reason": { "type": "string", "description": "Why the caller is calling, in one sentence" },
            "urgency": { "type": "string", "enum": URGENCY_LEVELS }
        },
        "required": ["caller_name", "reason", "urgency"],
        "additionalProperties": false
    })
}

impl OpenaiProfile {
    /// A starting point for an agent that has no profile yet.
    pub fn starter(agent_name: &str, voice: &str, language: &str, first_message: &str) -> OpenaiProfile {
        let nine_to_five = CallingWindow::daily(
            jiff::civil::Time::constant(9, 0, 0, 0),
            Some(jiff::civil::Time::constant(17, 0, 0, 0)),
        );
        OpenaiProfile {
            model: DEFAULT_MODEL.into(),
            voice: if VOICES.contains(&voice) { voice } else { "marin" }.into(),
            language: if language.is_empty() { "en" } else { language }.into(),
            first_message: first_message.into(),
            turn_detection: TurnDetection::default(),
            transcription_model: TRANSCRIPTION_MODELS[0].into(),
            org: OrgConfig {
                name: agent_name.into(),
                services: Vec::new(),
                hours: OrgHours {
                    timezone: "UTC".into(),
                    window: nine_to_five,
                },
                policies: Vec::new(),
                escalation_contacts: Vec::new(),
                intake_schema: default_intake_schema(),
            },
            escalation: Escalation::default(),
        }
    }

    /// Checks every field and returns the profile trimmed. Errors name the field.
    pub fn validate(mut self) -> Result<OpenaiProfile, ValidationError> {
        self.model = self.model.trim().to_owned();
        if !MODELS.contains(&self.model.as_str()) {
            return Err(ValidationError::new(
                "model",
                format!("'{}' is not one of {}", self.model, MODELS.join(", ")),
            ));
        }
        self.voice = self.voice.trim().to_owned();
        if !VOICES.contains(&self.voice.as_str()) && !self.voice.starts_with("voice_") {
            return Err(ValidationError::new(
                "voice",
                format!(
                    "must be one of {} or a custom voice id voice_…",
                    VOICES.join(", ")
                ),
            ));
        }
        self.language = self.language.trim().to_owned();
        let language_ok = (2..=16).contains(&self.language.len())
            && self
                .language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !language_ok {
            return Err(ValidationError::new(
                "language",
                "must be a language code such as en or ar",
            ));
        }
        self.first_message = text("first_message", &self.first_message, 2_000)?;
        validate_turn_detection(&self.turn_detection)?;
        if !TRANSCRIPTION_MODELS.contains(&self.transcription_model.as_str()) {
            return Err(ValidationError::new(
                "transcription_model",
                format!("must be one of {}", TRANSCRIPTION_MODELS.join(", ")),
            ));
        }
        self.org = validate_org(self.org)?;
        if let Some(to) = &self.escalation.transfer_to {
            let to = to.trim();
            self.escalation.transfer_to = if to.is_empty() {
                None
            } else {
                Some(e164("escalation.transfer_to", to)?)
            };
        }
        if self.escalation.transfer_on_escalation && self.escalation.transfer_to.is_none() {
            return Err(ValidationError::new(
                "escalation.transfer_to",
                "is required when calls are transferred on escalation",
            ));
        }
        Ok(self)
    }
}

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, ValidationError> {
    if raw.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(raw.trim().to_owned())
}

fn list(field: &'static str, items: Vec<String>) -> Result<Vec<String>, ValidationError> {
    if items.len() > 50 {
        return Err(ValidationError::new(field, "at most 50 entries"));
    }
    items
        .into_iter()
        .map(|s| text(field, &s, 2_000))
        .filter(|s| !matches!(s, Ok(s) if s.is_empty()))
        .collect()
}

fn e164(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let digits = raw.strip_prefix('+').unwrap_or("");
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(raw.to_owned())
    } else {
        Err(ValidationError::new(
            field,
            format!("'{raw}' is not an E.164 number such as +96550001234"),
        ))
    }
}

fn validate_turn_detection(t: &TurnDetection) -> Result<(), ValidationError> {
    if let TurnDetection::ServerVad {
        threshold,
        prefix_padding_ms,
        silence_duration_ms,
        idle_timeout_ms,
        ..
    } = t
    {
        if !(0.0..=1.0).contains(threshold) {
            return Err(ValidationError::new(
                "turn_detection.threshold",
                "must be between 0 and 1",
            ));
        }
        if *prefix_padding_ms > 5_000 || !(100..=10_000).contains(silence_duration_ms) {
            return Err(ValidationError::new(
                "turn_detection",
                "prefix padding must be at most 5000 ms and silence 100 to 10000 ms",
            ));
        }
        if idle_timeout_ms.is_some_and(|ms| !(1_000..=60_000).contains(&ms)) {
            return Err(ValidationError::new(
                "turn_detection.idle_timeout_ms",
                "must be between 1000 and 60000 ms",
            ));
        }
    }
    Ok(())
}

fn validate_org(mut org: OrgConfig) -> Result<OrgConfig, ValidationError> {
    org.name = validation::name("org.name", &org.name, 200)?;
    org.services = list("org.services", org.services)?;
    org.policies = list("org.policies", org.policies)?;
    org.hours.timezone = org.hours.timezone.trim().to_owned();
    if validation::zone(&org.hours.timezone).is_none() {
        return Err(ValidationError::new(
            "org.hours.timezone",
            format!("'{}' is not a known time zone", org.hours.timezone),
        ));
    }
    org.hours
        .window
        .validate()
        .map_err(|e| ValidationError::new("org.hours.window", e.message))?;
    if org.escalation_contacts.len() > 20 {
        return Err(ValidationError::new(
            "org.escalation_contacts",
            "at most 20 contacts",
        ));
    }
    for c in &mut org.escalation_contacts {
        c.name = validation::name("org.escalation_contacts.name", &c.name, 120)?;
        c.role = text("org.escalation_contacts.role", &c.role, 200)?;
        c.phone = e164("org.escalation_contacts.phone", c.phone.trim())?;
    }
    crate::openai::intake::check_schema(&org.intake_schema)?;
    Ok(org)
}

/// Weekday hours as the prompt shows them, e.g. `09:00–17:00`, or `closed`.
pub fn describe_hours(hours: &[Hours]) -> String {
    if hours.is_empty() {
        return "closed".into();
    }
    hours
        .iter()
        .map(|h| {
            let end = h
                .end
                .map_or("24:00".to_owned(), |e| e.strftime("%H:%M").to_string());
            format!("{}–{end}", h.start.strftime("%H:%M"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
