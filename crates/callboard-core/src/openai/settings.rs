//! OpenAI settings kept in the `settings` table: model prices (USD per 1M tokens, per model, editable) and
//! Realtime SIP (which agent answers, how many SIP calls at once).
//!
//! Default prices are OpenAI's published list prices from the model pages
//! (<https://developers.openai.com/api/docs/models/gpt-realtime-2.1> and `/gpt-realtime-2.1-mini`), as
//! recorded in our protocol notes (docs/protocols/openai-realtime.md §1.3, researched 2026-11).

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::{
    store::{StoreResult, settings},
    validation::ValidationError,
};

pub const PRICES_KEY: &str = "openai.prices";
pub const SIP_KEY: &str = "openai.sip";
/// Where the default prices come from (shown in the UI next to them).
pub const PRICES_SOURCE: &str = "OpenAI model pages (developers.openai.com/api/docs/models/gpt-realtime-2.1, gpt-realtime-2.1-mini, gpt-4o-transcribe, gpt-4o-mini-transcribe), 2026-11";

/// Input transcription models billed in tokens, priced in the same table (text and audio input at the
/// model page's one input price, output as `text_output`), from their model pages
/// (developers.openai.com/api/docs/models/gpt-4o-transcribe, gpt-4o-mini-transcribe).
pub const TRANSCRIPTION_DEFAULTS: [(&str, ModelPrices); 2] = [
    (
        "gpt-4o-transcribe",
        transcription_prices(crate::openai::realtime::cost::GPT_4O_TRANSCRIBE),
    ),
    (
        "gpt-4o-mini-transcribe",
        transcription_prices(crate::openai::realtime::cost::GPT_4O_MINI_TRANSCRIBE),
    ),
];

const fn transcription_prices((input, output): (f64, f64)) -> ModelPrices {
    ModelPrices {
        text_input: input,
        text_cached_input: 0.0,
        text_output: output,
        audio_input: input,
        audio_cached_input: 0.0,
        audio_output: 0.0,
    }
}

/// USD per 1M tokens for one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrices {
    pub text_input: f64,
    pub text_cached_input: f64,
    pub text_output: f64,
    pub audio_input: f64,
    pub audio_cached_input: f64,
    pub audio_output: f64,
}

impl ModelPrices {
    fn fields(&self) -> [(&'static str, f64); 6] {
        [
            ("text_input", self.text_input),
            ("text_cached_input", self.text_cached_input),
            ("text_output", self.text_output),
            ("audio_input", self.audio_input),
            ("audio_cached_input", self.audio_cached_input),
            ("audio_output", self.audio_output),
        ]
    }
}

/// Prices by model id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub models: BTreeMap<String, ModelPrices>,
    /// Where the numbers come from; `defaults` says whether they are still OpenAI's list prices.
    #[serde(default)]
    pub source: String,
}

impl Default for Prices {
    /// The published prices the Realtime backend's cost figures start from (`realtime::cost`).
    fn default() -> Self {
        use crate::openai::realtime::cost::Prices as Rates;
        let mut models: BTreeMap<String, ModelPrices> = [
            ("gpt-realtime-2.1", Rates::REALTIME_2_1),
            ("gpt-realtime-2.1-mini", Rates::REALTIME_2_1_MINI),
        ]
        .into_iter()
        .map(|(m, r)| (m.to_owned(), ModelPrices::from(r)))
        .collect();
        models.extend(TRANSCRIPTION_DEFAULTS.map(|(m, p)| (m.to_owned(), p)));
        Prices {
            models,
            source: PRICES_SOURCE.to_owned(),
        }
    }
}

impl From<crate::openai::realtime::cost::Prices> for ModelPrices {
    fn from(r: crate::openai::realtime::cost::Prices) -> Self {
        ModelPrices {
            text_input: r.text_in,
            text_cached_input: r.text_cached_in,
            text_output: r.text_out,
            audio_input: r.audio_in,
            audio_cached_input: r.audio_cached_in,
            audio_output: r.audio_out,
        }
    }
}

impl Prices {
    /// What a call on `model` costs per token: the edited prices when the model has some, else the
    /// published defaults (transcription is priced per minute, not edited here).
    pub fn for_call(&self, model: &str) -> crate::openai::realtime::cost::Prices {
        let defaults = crate::openai::realtime::cost::Prices::for_model(model);
        match self.models.get(model) {
            Some(p) => crate::openai::realtime::cost::Prices {
                text_in: p.text_input,
                text_cached_in: p.text_cached_input,
                text_out: p.text_output,
                audio_in: p.audio_input,
                audio_cached_in: p.audio_cached_input,
                audio_out: p.audio_output,
                ..defaults
            },
            None => defaults,
        }
    }
}

impl Prices {
    /// [`Prices::for_call`] with the token prices of the session's input transcription model: its entry in
    /// the table, else the published defaults for it; a model with neither (`gpt-realtime-whisper` bills by
    /// the minute and never reports tokens) keeps `gpt-4o-transcribe`'s, the dearer, rather than nothing.
    pub fn for_session(
        &self,
        model: &str,
        transcription_model: &str,
    ) -> crate::openai::realtime::cost::Prices {
        let call = self.for_call(model);
        let entry = self.models.get(transcription_model).copied().or_else(|| {
            TRANSCRIPTION_DEFAULTS
                .iter()
                .find(|(m, _)| *m == transcription_model)
                .map(|(_, p)| *p)
        });
        match entry {
            Some(p) => call.with_transcription_tokens(p.text_input, p.audio_input, p.text_output),
            None => call,
        }
    }

    pub fn validate(self) -> Result<Prices, ValidationError> {
        if self.models.is_empty() || self.models.len() > 20 {
            return Err(ValidationError::new("models", "give prices for 1 to 20 models"));
        }
        for (model, p) in &self.models {
            if model.trim().is_empty() || model.len() > 64 {
                return Err(ValidationError::new("models", "a model id is empty or too long"));
            }
            for (field, v) in p.fields() {
                if !v.is_finite() || !(0.0..=10_000.0).contains(&v) {
                    return Err(ValidationError::new(
                        "models",
                        format!("{model}.{field} must be a price between 0 and 10000 USD per 1M tokens"),
                    ));
                }
            }
        }
        Ok(Prices {
            source: self.source.trim().chars().take(300).collect(),
            ..self
        })
    }
}

/// The stored prices, or the defaults.
pub fn prices(conn: &Connection) -> StoreResult<Prices> {
    Ok(settings::get(conn, PRICES_KEY)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Realtime SIP settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipSettings {
    /// The OpenAI Realtime agent that answers SIP calls; `None` rejects every call.
    pub agent_id: Option<i64>,
    /// SIP calls in progress at once; more are rejected as busy.
    pub max_concurrent: u32,
    /// Reject calls outside the org's opening hours (else they are referred to the transfer number, if any).
    pub reject_outside_hours: bool,
}

impl Default for SipSettings {
    fn default() -> Self {
        SipSettings {
            agent_id: None,
            max_concurrent: 5,
            reject_outside_hours: true,
        }
    }
}

impl SipSettings {
    pub fn validate(self) -> Result<SipSettings, ValidationError> {
        if !(1..=500).contains(&self.max_concurrent) {
            return Err(ValidationError::new(
                "max_concurrent",
                "must be between 1 and 500",
            ));
        }
        Ok(self)
    }
}

pub fn sip(conn: &Connection) -> StoreResult<SipSettings> {
    Ok(settings::get(conn, SIP_KEY)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_published_prices_and_bad_ones_are_refused() {
        let p = Prices::default();
        assert_eq!(p.models["gpt-realtime-2.1"].audio_output, 64.0);
        assert_eq!(p.models["gpt-realtime-2.1-mini"].text_cached_input, 0.06);
        assert!(p.clone().validate().is_ok());
        let mut bad = p.clone();
        if let Some(m) = bad.models.get_mut("gpt-realtime-2.1") {
            m.audio_input = -1.0;
        }
        let e = bad.validate().err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("gpt-realtime-2.1.audio_input"), "{e}");
        let mut nan = p;
        if let Some(m) = nan.models.get_mut("gpt-realtime-2.1-mini") {
            m.text_output = f64::NAN;
        }
        assert!(nan.validate().is_err());
        assert!(
            SipSettings {
                max_concurrent: 0,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn transcription_tokens_are_priced_from_the_table() {
        let mut p = Prices::default();
        assert_eq!(p.models["gpt-4o-transcribe"].audio_input, 2.5);
        assert_eq!(p.models["gpt-4o-mini-transcribe"].text_output, 5.0);
        let r = p.for_session("gpt-realtime-2.1", "gpt-4o-mini-transcribe");
        assert_eq!(
            (
                r.transcription_text_in,
                r.transcription_audio_in,
                r.transcription_out
            ),
            (1.25, 1.25, 5.0)
        );
        assert_eq!(r.audio_out, 64.0);
        // An edited entry wins; a table saved before the entries existed falls back to the published ones.
        if let Some(m) = p.models.get_mut("gpt-4o-transcribe") {
            m.audio_input = 3.0;
        }
        assert_eq!(
            p.for_session("gpt-realtime-2.1", "gpt-4o-transcribe")
                .transcription_audio_in,
            3.0
        );
        p.models.retain(|m, _| m.starts_with("gpt-realtime"));
        assert_eq!(
            p.for_session("gpt-realtime-2.1-mini", "gpt-4o-mini-transcribe")
                .transcription_out,
            5.0
        );
        let whisper = p.for_session("gpt-realtime-2.1", "gpt-realtime-whisper");
        assert_eq!(whisper.transcription_per_minute, 0.017);
        assert!(whisper.transcription_audio_in > 0.0, "never free");
    }
}
