//! Agent profiles: which AI runs the conversation, with what prompt, voice, language and disclosure.

use serde::{Deserialize, Serialize};

use crate::validation::{self, ValidationError};

/// The AI platforms an agent can run on.
pub const AGENT_PROVIDERS: [&str; 3] = ["elevenlabs", "openai-realtime", "sim"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub language: String,
    pub voice: String,
    pub prompt: String,
    pub first_message: String,
    pub disclosure: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    pub name: String,
    pub provider: Option<String>,
    pub language: Option<String>,
    pub voice: Option<String>,
    pub prompt: Option<String>,
    pub first_message: Option<String>,
    pub disclosure: Option<String>,
}

/// A validated agent, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSettings {
    pub name: String,
    pub provider: String,
    pub language: String,
    pub voice: String,
    pub prompt: String,
    pub first_message: String,
    pub disclosure: String,
}

impl AgentInput {
    pub fn validate(self) -> Result<AgentSettings, ValidationError> {
        let name = validation::name("name", &self.name, 120)?;
        let provider = self
            .provider
            .unwrap_or_else(|| "sim".into())
            .trim()
            .to_ascii_lowercase();
        if !AGENT_PROVIDERS.contains(&provider.as_str()) {
            return Err(ValidationError::new(
                "provider",
                format!("'{provider}' is not one of {}", AGENT_PROVIDERS.join(", ")),
            ));
        }
        let language = self.language.unwrap_or_else(|| "en".into()).trim().to_owned();
        // BCP 47-ish: "en", "ar", "hi-IN". Enough to catch a pasted sentence.
        let language_ok = !language.is_empty()
            && language.len() <= 16
            && language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !language_ok {
            return Err(ValidationError::new(
                "language",
                "must be a language code such as en, ar or hi-IN",
            ));
        }
        let long = |field: &'static str, v: Option<String>| -> Result<String, ValidationError> {
            let v = v.unwrap_or_default();
            if v.chars().count() > 20_000 {
                return Err(ValidationError::new(field, "must be at most 20000 characters"));
            }
            Ok(v.trim().to_owned())
        };
        Ok(AgentSettings {
            name,
            provider,
            language,
            voice: long("voice", self.voice)?,
            prompt: long("prompt", self.prompt)?,
            first_message: long("first_message", self.first_message)?,
            disclosure: long("disclosure", self.disclosure)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_rules() {
        let a = AgentInput {
            name: " Sara ".into(),
            ..Default::default()
        }
        .validate();
        assert_eq!(
            a.as_ref().map(|a| (a.name.as_str(), a.provider.as_str())),
            Ok(("Sara", "sim"))
        );
        let e = AgentInput {
            name: "x".into(),
            provider: Some("skype".into()),
            ..Default::default()
        }
        .validate();
        assert_eq!(e.err().map(|e| e.field), Some("provider"));
        let e = AgentInput {
            name: "x".into(),
            language: Some("Arabic please".into()),
            ..Default::default()
        }
        .validate();
        assert_eq!(e.err().map(|e| e.field), Some("language"));
    }
}
