//! Campaigns: what a campaign is, its states and providers, and the rules an edit must follow.

use serde::{Deserialize, Serialize};

use crate::{
    engine::{breaker::BreakerSettings, retry::RetryPolicy},
    validation::{self, ValidationError},
};

/// Who places the calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provider {
    #[serde(rename = "sim")]
    Sim,
    #[serde(rename = "elevenlabs")]
    ElevenLabs,
    #[serde(rename = "elevenlabs-batch")]
    ElevenLabsBatch,
    #[serde(rename = "twilio")]
    Twilio,
    #[serde(rename = "exotel")]
    Exotel,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::Sim,
        Provider::ElevenLabs,
        Provider::ElevenLabsBatch,
        Provider::Twilio,
        Provider::Exotel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Sim => "sim",
            Provider::ElevenLabs => "elevenlabs",
            Provider::ElevenLabsBatch => "elevenlabs-batch",
            Provider::Twilio => "twilio",
            Provider::Exotel => "exotel",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The campaign life cycle: draft → scheduled → running ⇄ paused → completed | cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Running,
    Paused,
    Completed,
    Cancelled,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 6] = [
        CampaignStatus::Draft,
        CampaignStatus::Scheduled,
        CampaignStatus::Running,
        CampaignStatus::Paused,
        CampaignStatus::Completed,
        CampaignStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Running => "running",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<CampaignStatus> {
        CampaignStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Only a running campaign cannot be deleted (its calls are in flight); finished ones can.
    pub fn is_deletable(self) -> bool {
        self != CampaignStatus::Running
    }

    /// Settings of a running campaign cannot change under the dialer's feet; pause it first.
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            CampaignStatus::Draft | CampaignStatus::Scheduled | CampaignStatus::Paused
        )
    }
}

/// What a supervisor (or the engine) asks a campaign to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Start,
    Pause,
    Resume,
    Cancel,
    /// The engine, when the list is exhausted or the end time is reached.
    Complete,
    /// Start later: a draft with a start time in the future waits as `scheduled`.
    Schedule,
}

impl Transition {
    pub const ALL: [Transition; 6] = [
        Transition::Start,
        Transition::Pause,
        Transition::Resume,
        Transition::Cancel,
        Transition::Complete,
        Transition::Schedule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Pause => "pause",
            Transition::Resume => "resume",
            Transition::Cancel => "cancel",
            Transition::Complete => "complete",
            Transition::Schedule => "schedule",
        }
    }
}

impl CampaignStatus {
    /// The life cycle: draft → scheduled → running ⇄ paused → completed | cancelled. Completed and cancelled
    /// are final. Returns the new status, or a sentence saying why not.
    pub fn apply(self, t: Transition) -> Result<CampaignStatus, String> {
        use CampaignStatus as S;
        let next = match (self, t) {
            (S::Draft | S::Scheduled, Transition::Start) => Some(S::Running),
            (S::Running | S::Scheduled, Transition::Pause) => Some(S::Paused),
            (S::Paused, Transition::Resume) => Some(S::Running),
            (S::Draft | S::Scheduled | S::Running | S::Paused, Transition::Cancel) => Some(S::Cancelled),
            (S::Running, Transition::Complete) => Some(S::Completed),
            (S::Draft, Transition::Schedule) => Some(S::Scheduled),
            _ => None,
        };
        next.ok_or_else(|| format!("a {} campaign cannot {}", self.as_str(), t.as_str()))
    }
}

/// Named calling-hour presets (the engine owns their exact windows).
pub const HOURS_PRESETS: [&str; 4] = ["always", "kw", "in", "us"];

/// A campaign as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub status: CampaignStatus,
    /// Why it is in that status ("start by ui", "list exhausted", "circuit breaker: …").
    pub status_reason: String,
    pub provider: Provider,
    pub agent_id: Option<i64>,
    /// Caller id or provider phone-number id; empty means the provider's default.
    pub from_number: String,
    pub max_concurrent: u32,
    pub calls_per_second: f64,
    pub hours_preset: String,
    pub time_zone: String,
    pub retry_policy: RetryPolicy,
    pub breaker: BreakerSettings,
    /// The watchdog ends calls longer than this.
    pub max_call_seconds: u32,
    /// When a scheduled campaign starts by itself (RFC 3339 UTC).
    pub start_at: Option<String>,
    /// When the engine ends it (RFC 3339 UTC), doing `end_action`.
    pub end_at: Option<String>,
    /// `complete` or `pause` at `end_at`.
    pub end_action: String,
    /// Slots of `max_concurrent` kept free for inbound calls and other campaigns.
    pub reserved_headroom: u32,
    pub contacts: i64,
    pub completed: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Fields a create or update may set; absent fields keep their value (or the default on create).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub provider: Option<String>,
    /// `Some(None)` clears the agent; absent leaves it.
    #[serde(default, with = "double_option")]
    pub agent_id: Option<Option<i64>>,
    pub from_number: Option<String>,
    pub max_concurrent: Option<u32>,
    pub calls_per_second: Option<f64>,
    pub hours_preset: Option<String>,
    pub time_zone: Option<String>,
    /// A partial policy: the keys given (at any depth) replace the current ones, the rest stay.
    pub retry_policy: Option<serde_json::Value>,
    /// Partial, like `retry_policy`.
    pub breaker: Option<serde_json::Value>,
    pub max_call_seconds: Option<u32>,
    /// RFC 3339; `null` clears.
    #[serde(default, with = "double_option")]
    pub start_at: Option<Option<String>>,
    /// RFC 3339; `null` clears.
    #[serde(default, with = "double_option")]
    pub end_at: Option<Option<String>>,
    pub end_action: Option<String>,
    pub reserved_headroom: Option<u32>,
}

/// The validated settings of a campaign, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSettings {
    pub name: String,
    pub description: String,
    pub provider: Provider,
    pub agent_id: Option<i64>,
    pub from_number: String,
    pub max_concurrent: u32,
    pub calls_per_second: f64,
    pub hours_preset: String,
    pub time_zone: String,
    pub retry_policy: RetryPolicy,
    pub breaker: BreakerSettings,
    pub max_call_seconds: u32,
    pub start_at: Option<String>,
    pub end_at: Option<String>,
    pub end_action: String,
    pub reserved_headroom: u32,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        CampaignSettings {
            name: String::new(),
            description: String::new(),
            provider: Provider::Sim,
            agent_id: None,
            from_number: String::new(),
            max_concurrent: 5,
            calls_per_second: 1.0,
            hours_preset: "always".into(),
            time_zone: "UTC".into(),
            retry_policy: RetryPolicy::default(),
            breaker: BreakerSettings::default(),
            max_call_seconds: 900,
            start_at: None,
            end_at: None,
            end_action: "complete".into(),
            reserved_headroom: 0,
        }
    }
}

impl CampaignSettings {
    pub fn of(c: &Campaign) -> Self {
        CampaignSettings {
            name: c.name.clone(),
            description: c.description.clone(),
            provider: c.provider,
            agent_id: c.agent_id,
            from_number: c.from_number.clone(),
            max_concurrent: c.max_concurrent,
            calls_per_second: c.calls_per_second,
            hours_preset: c.hours_preset.clone(),
            time_zone: c.time_zone.clone(),
            retry_policy: c.retry_policy.clone(),
            breaker: c.breaker,
            max_call_seconds: c.max_call_seconds,
            start_at: c.start_at.clone(),
            end_at: c.end_at.clone(),
            end_action: c.end_action.clone(),
            reserved_headroom: c.reserved_headroom,
        }
    }

    /// Applies `input` on top of `self`, checking every rule. Agent existence is checked by the store.
    pub fn apply(mut self, input: CampaignInput) -> Result<Self, ValidationError> {
        if let Some(name) = input.name {
            self.name = validation::name("name", &name, 120)?;
        }
        if self.name.is_empty() {
            return Err(ValidationError::new("name", "is required"));
        }
        if let Some(d) = input.description {
            if d.chars().count() > 2000 {
                return Err(ValidationError::new(
                    "description",
                    "must be at most 2000 characters",
                ));
            }
            self.description = d.trim().to_owned();
        }
        if let Some(p) = input.provider {
            self.provider = Provider::parse(p.trim()).ok_or_else(|| {
                let all: Vec<_> = Provider::ALL.iter().map(|p| p.as_str()).collect();
                ValidationError::new("provider", format!("'{p}' is not one of {}", all.join(", ")))
            })?;
        }
        if let Some(agent) = input.agent_id {
            self.agent_id = agent;
        }
        if let Some(from) = input.from_number {
            let from = from.trim();
            if from.chars().count() > 64 {
                return Err(ValidationError::new(
                    "from_number",
                    "must be at most 64 characters",
                ));
            }
            self.from_number = from.to_owned();
        }
        if let Some(n) = input.max_concurrent {
            if !(1..=500).contains(&n) {
                return Err(ValidationError::new(
                    "max_concurrent",
                    "must be between 1 and 500",
                ));
            }
            self.max_concurrent = n;
        }
        if let Some(cps) = input.calls_per_second {
            if !(0.1..=50.0).contains(&cps) || !cps.is_finite() {
                return Err(ValidationError::new(
                    "calls_per_second",
                    "must be between 0.1 and 50",
                ));
            }
            self.calls_per_second = cps;
        }
        if let Some(h) = input.hours_preset {
            let h = h.trim().to_ascii_lowercase();
            if !HOURS_PRESETS.contains(&h.as_str()) {
                return Err(ValidationError::new(
                    "hours_preset",
                    format!("'{h}' is not one of {}", HOURS_PRESETS.join(", ")),
                ));
            }
            self.hours_preset = h;
        }
        if let Some(tz) = input.time_zone {
            self.time_zone = validation::time_zone("time_zone", &tz)?;
        }
        if let Some(patch) = input.retry_policy {
            let policy: RetryPolicy = patched("retry_policy", &self.retry_policy, patch)?;
            if !(1..=10).contains(&policy.max_attempts) {
                return Err(ValidationError::new(
                    "retry_policy",
                    "max_attempts must be between 1 and 10",
                ));
            }
            let rules = [policy.no_answer, policy.busy, policy.voicemail, policy.failed];
            if rules.iter().any(|r| r.delay_minutes > 10_080) {
                return Err(ValidationError::new(
                    "retry_policy",
                    "retry delays must be at most a week (10080 minutes)",
                ));
            }
            self.retry_policy = policy;
        }
        if let Some(patch) = input.breaker {
            let b: BreakerSettings = patched("breaker", &self.breaker, patch)?;
            if !(0.05..=1.0).contains(&b.failure_ratio)
                || !(3..=500).contains(&b.min_dials)
                || !(10..=3600).contains(&b.window_s)
            {
                return Err(ValidationError::new(
                    "breaker",
                    "failure_ratio must be 0.05–1, min_dials 3–500 and window_s 10–3600",
                ));
            }
            self.breaker = b;
        }
        if let Some(secs) = input.max_call_seconds {
            if !(60..=7200).contains(&secs) {
                return Err(ValidationError::new(
                    "max_call_seconds",
                    "must be between 60 and 7200",
                ));
            }
            self.max_call_seconds = secs;
        }
        crate::engine::schedule::apply_input(
            &mut self,
            input.start_at,
            input.end_at,
            input.end_action,
            input.reserved_headroom,
        )?;
        Ok(self)
    }
}

/// `current` with the keys of `patch` laid over it (objects merged key by key, anything else replaced).
fn patched<T: Serialize + serde::de::DeserializeOwned>(
    field: &'static str,
    current: &T,
    patch: serde_json::Value,
) -> Result<T, ValidationError> {
    fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
        match (base, patch) {
            (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
                for (k, v) in p {
                    merge(b.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
            (b, p) => *b = p,
        }
    }
    let mut base = serde_json::to_value(current).map_err(|e| ValidationError::new(field, e.to_string()))?;
    merge(&mut base, patch);
    serde_json::from_value(base).map_err(|e| ValidationError::new(field, e.to_string()))
}

/// Serde helper telling "absent" (outer `None`) from "null" (`Some(None)`).
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(json: serde_json::Value) -> CampaignInput {
        serde_json::from_value(json).expect("valid input json")
    }

    #[test]
    fn defaults_then_rules() {
        let s = CampaignSettings::default().apply(input(serde_json::json!({"name": "  Spring  "})));
        assert_eq!(s.map(|s| s.name), Ok("Spring".to_owned()));
        let e = CampaignSettings::default()
            .apply(input(serde_json::json!({"name": " "})))
            .err();
        assert_eq!(e.map(|e| e.field), Some("name"));
        let e = CampaignSettings::default()
            .apply(input(serde_json::json!({"name": "a", "provider": "skype"})))
            .err();
        assert_eq!(e.map(|e| e.field), Some("provider"));
        let e = CampaignSettings::default()
            .apply(input(serde_json::json!({"name": "a", "time_zone": "Mars/Base"})))
            .err();
        assert_eq!(e.map(|e| e.field), Some("time_zone"));
    }

    #[test]
    fn legacy_zone_names_are_accepted() {
        let s = CampaignSettings::default().apply(input(
            serde_json::json!({"name": "a", "time_zone": "Asia/Calcutta"}),
        ));
        assert!(s.is_ok());
    }

    #[test]
    fn null_agent_clears_and_absent_keeps() -> Result<(), ValidationError> {
        let base = CampaignSettings {
            name: "x".into(),
            agent_id: Some(3),
            ..Default::default()
        };
        assert_eq!(
            base.clone().apply(input(serde_json::json!({})))?.agent_id,
            Some(3)
        );
        assert_eq!(
            base.apply(input(serde_json::json!({"agent_id": null})))?.agent_id,
            None
        );
        Ok(())
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_value::<CampaignInput>(serde_json::json!({"nmae": "x"})).is_err());
    }

    #[test]
    fn the_life_cycle() {
        use CampaignStatus as S;
        assert_eq!(S::Draft.apply(Transition::Start), Ok(S::Running));
        assert_eq!(S::Running.apply(Transition::Pause), Ok(S::Paused));
        assert_eq!(S::Paused.apply(Transition::Resume), Ok(S::Running));
        assert_eq!(S::Running.apply(Transition::Complete), Ok(S::Completed));
        assert_eq!(S::Paused.apply(Transition::Cancel), Ok(S::Cancelled));
        assert_eq!(
            S::Draft.apply(Transition::Resume),
            Err("a draft campaign cannot resume".to_owned())
        );
    }

    proptest! {
        #[test]
        fn final_states_are_final(t in proptest::sample::select(Transition::ALL.to_vec())) {
            prop_assert!(CampaignStatus::Completed.apply(t).is_err());
            prop_assert!(CampaignStatus::Cancelled.apply(t).is_err());
        }

        #[test]
        fn only_the_engine_completes_and_only_running_campaigns(
            s in proptest::sample::select(CampaignStatus::ALL.to_vec())
        ) {
            prop_assert_eq!(s.apply(Transition::Complete).is_ok(), s == CampaignStatus::Running);
        }

        #[test]
        fn concurrency_rule_holds_for_any_value(n in 0u32..2000) {
            let r = CampaignSettings::default().apply(CampaignInput {
                name: Some("a".into()), max_concurrent: Some(n), ..Default::default()
            });
            prop_assert_eq!(r.is_ok(), (1..=500).contains(&n));
        }

        #[test]
        fn rate_rule_holds_for_any_value(cps in proptest::num::f64::ANY) {
            let r = CampaignSettings::default().apply(CampaignInput {
                name: Some("a".into()), calls_per_second: Some(cps), ..Default::default()
            });
            prop_assert_eq!(r.is_ok(), (0.1..=50.0).contains(&cps));
        }
    }
}
