//! What a Realtime call costs: token usage from every `response.done` (cancelled ones too) and the input
//! transcription's usage, times the model's prices. Prices are a plain struct with the published defaults;
//! the settings that make them editable live elsewhere and hand a `Prices` in.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// USD per 1M tokens (so a token count times a price is micro-USD), plus transcription per audio minute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub text_in: f64,
    pub text_cached_in: f64,
    pub text_out: f64,
    pub audio_in: f64,
    pub audio_cached_in: f64,
    pub audio_out: f64,
    /// USD per minute of transcribed caller audio (`gpt-realtime-whisper`).
    pub transcription_per_minute: f64,
}

impl Prices {
    /// `gpt-realtime-2.1` (model page, 2026-11).
    pub const REALTIME_2_1: Prices = Prices {
        text_in: 4.0,
        text_cached_in: 0.40,
        text_out: 24.0,
        audio_in: 32.0,
        audio_cached_in: 0.40,
        audio_out: 64.0,
        transcription_per_minute: 0.017,
    };
    /// `gpt-realtime-2.1-mini`.
    pub const REALTIME_2_1_MINI: Prices = Prices {
        text_in: 0.60,
        text_cached_in: 0.06,
        text_out: 2.40,
        audio_in: 10.0,
        audio_cached_in: 0.30,
        audio_out: 20.0,
        transcription_per_minute: 0.017,
    };

    /// The defaults for `model`: the mini prices for a mini model, else the full model's.
    pub fn for_model(model: &str) -> Prices {
        if model.contains("mini") {
            Prices::REALTIME_2_1_MINI
        } else {
            Prices::REALTIME_2_1
        }
    }
}

/// Token and transcription usage, summed over a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub text_in: i64,
    pub text_cached_in: i64,
    pub audio_in: i64,
    pub audio_cached_in: i64,
    pub text_out: i64,
    pub audio_out: i64,
    /// Milliseconds of caller audio billed by the transcription model.
    pub transcription_ms: i64,
}

fn count(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .unwrap_or(0)
        .max(0)
}

impl Usage {
    /// From a `response.done`'s `response.usage` (absent or odd fields count as zero).
    pub fn from_response(usage: &Value) -> Usage {
        let input = &usage["input_token_details"];
        let cached = &input["cached_tokens_details"];
        let output = &usage["output_token_details"];
        Usage {
            text_in: count(&input["text_tokens"]),
            text_cached_in: count(&cached["text_tokens"]),
            audio_in: count(&input["audio_tokens"]),
            audio_cached_in: count(&cached["audio_tokens"]),
            text_out: count(&output["text_tokens"]),
            audio_out: count(&output["audio_tokens"]),
            transcription_ms: 0,
        }
    }

    /// From an input transcription's `usage` when billed by duration (`{"type":"duration","seconds":2.5}`).
    pub fn from_transcription(usage: &Value) -> Usage {
        let ms = match usage["type"].as_str() {
            Some("duration") => usage["seconds"]
                .as_f64()
                .map_or(0, |s| (s * 1000.0).round() as i64),
            _ => 0,
        };
        Usage {
            transcription_ms: ms.max(0),
            ..Usage::default()
        }
    }

    pub fn add(&mut self, other: &Usage) {
        self.text_in += other.text_in;
        self.text_cached_in += other.text_cached_in;
        self.audio_in += other.audio_in;
        self.audio_cached_in += other.audio_cached_in;
        self.text_out += other.text_out;
        self.audio_out += other.audio_out;
        self.transcription_ms += other.transcription_ms;
    }
}

/// The cost of `usage` in micro-USD. Cached tokens are a subset of the input tokens and are billed at the
/// cached price instead of the full one.
pub fn cost_micros(usage: &Usage, prices: &Prices) -> f64 {
    let tokens = |n: i64| n.max(0) as f64;
    let uncached_text = (usage.text_in - usage.text_cached_in).max(0);
    let uncached_audio = (usage.audio_in - usage.audio_cached_in).max(0);
    tokens(uncached_text) * prices.text_in
        + tokens(usage.text_cached_in) * prices.text_cached_in
        + tokens(uncached_audio) * prices.audio_in
        + tokens(usage.audio_cached_in) * prices.audio_cached_in
        + tokens(usage.text_out) * prices.text_out
        + tokens(usage.audio_out) * prices.audio_out
        + tokens(usage.transcription_ms) / 60_000.0 * prices.transcription_per_minute * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/../../tests/fixtures/openai-realtime/ws/server_to_client/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or(Value::Null)
    }

    #[test]
    fn the_documented_worked_example_adds_up() {
        let mut total = Usage::default();
        for f in [
            "response_done_audio_completed.json",
            "response_done_function_call.json",
            "response_done_cancelled_turn_detected.json",
        ] {
            let usage = Usage::from_response(&fixture(f)["response"]["usage"]);
            assert!(usage != Usage::default(), "{f} has usage");
            total.add(&usage);
        }
        let micros = cost_micros(&total, &Prices::REALTIME_2_1);
        assert!((micros - 11_494.4).abs() < 1e-6, "got {micros}");
        let one = Usage::from_response(&fixture("response_done_function_call.json")["response"]["usage"]);
        assert!((cost_micros(&one, &Prices::REALTIME_2_1) - 3_230.4).abs() < 1e-6);
    }

    #[test]
    fn transcription_is_billed_per_minute_and_mini_is_cheaper() {
        let t = Usage::from_transcription(&serde_json::json!({"type": "duration", "seconds": 4.8}));
        assert_eq!(t.transcription_ms, 4_800);
        assert!((cost_micros(&t, &Prices::REALTIME_2_1) - 1_360.0).abs() < 1e-6);
        let tokens = Usage::from_transcription(&serde_json::json!({"type": "tokens", "input_tokens": 9}));
        assert_eq!(tokens, Usage::default());
        let u = Usage {
            audio_in: 1000,
            audio_out: 1000,
            ..Usage::default()
        };
        assert!(
            cost_micros(&u, &Prices::for_model("gpt-realtime-2.1-mini"))
                < cost_micros(&u, &Prices::for_model("gpt-realtime-2.1"))
        );
    }

    #[test]
    fn odd_usage_counts_as_zero_not_a_crash() {
        let u = Usage::from_response(
            &serde_json::json!({"input_token_details": {"text_tokens": "x", "audio_tokens": -5}}),
        );
        assert_eq!(u, Usage::default());
        assert_eq!(cost_micros(&u, &Prices::REALTIME_2_1), 0.0);
    }
}
