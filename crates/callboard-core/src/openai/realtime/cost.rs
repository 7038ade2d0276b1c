//! What a Realtime call costs: token usage from every `response.done` (cancelled ones too) and the input
//! transcription's usage (billed by duration, `gpt-realtime-whisper`, or in tokens, the `gpt-4o*-transcribe`
//! models), times the prices. Prices are a plain struct with the published defaults; the settings that make
//! them editable live elsewhere and hand a `Prices` in.

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
    /// USD per 1M tokens of a transcription model billed in tokens: text and audio input, output.
    #[serde(default)]
    pub transcription_text_in: f64,
    #[serde(default)]
    pub transcription_audio_in: f64,
    #[serde(default)]
    pub transcription_out: f64,
}

/// `gpt-4o-transcribe`, USD per 1M tokens (input, output): the model page lists one input price, which
/// applies to its audio and text input tokens alike.
pub const GPT_4O_TRANSCRIBE: (f64, f64) = (2.50, 10.0);
/// `gpt-4o-mini-transcribe`, USD per 1M tokens (input, output).
pub const GPT_4O_MINI_TRANSCRIBE: (f64, f64) = (1.25, 5.0);

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
        transcription_text_in: GPT_4O_TRANSCRIBE.0,
        transcription_audio_in: GPT_4O_TRANSCRIBE.0,
        transcription_out: GPT_4O_TRANSCRIBE.1,
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
        transcription_text_in: GPT_4O_TRANSCRIBE.0,
        transcription_audio_in: GPT_4O_TRANSCRIBE.0,
        transcription_out: GPT_4O_TRANSCRIBE.1,
    };

    /// The defaults for `model`: the mini prices for a mini model, else the full model's. Token-billed
    /// transcription is priced as `gpt-4o-transcribe` (the dearer one) until the session's transcription
    /// model is known ([`Prices::with_transcription_tokens`]).
    pub fn for_model(model: &str) -> Prices {
        if model.contains("mini") {
            Prices::REALTIME_2_1_MINI
        } else {
            Prices::REALTIME_2_1
        }
    }
}

impl Prices {
    /// These prices with a token-billed transcription model's (USD per 1M tokens).
    pub fn with_transcription_tokens(self, text_in: f64, audio_in: f64, out: f64) -> Prices {
        Prices {
            transcription_text_in: text_in,
            transcription_audio_in: audio_in,
            transcription_out: out,
            ..self
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
    /// Tokens billed by a token-priced transcription model: text and audio input, output.
    #[serde(default)]
    pub transcription_text_in: i64,
    #[serde(default)]
    pub transcription_audio_in: i64,
    #[serde(default)]
    pub transcription_out: i64,
}

/// More than any session can bill (a 60-minute session is well under a million tokens): an absurd count
/// from the server is capped so the sums per call and campaign cannot overflow.
const MAX_COUNT: i64 = 1 << 40;

fn count(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .unwrap_or(0)
        .clamp(0, MAX_COUNT)
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
            ..Usage::default()
        }
    }

    /// From an input transcription's `usage`: by duration (`{"type":"duration","seconds":2.5}`) or in tokens
    /// (`{"type":"tokens","input_tokens":…,"input_token_details":{"audio_tokens","text_tokens"},
    /// "output_tokens":…}`; input without details counts as audio, the transcription's input being audio).
    pub fn from_transcription(usage: &Value) -> Usage {
        match usage["type"].as_str() {
            Some("duration") => Usage {
                transcription_ms: usage["seconds"]
                    .as_f64()
                    .filter(|s| s.is_finite())
                    .map_or(0, |s| (s * 1000.0).round() as i64)
                    .clamp(0, MAX_COUNT),
                ..Usage::default()
            },
            Some("tokens") => {
                let details = &usage["input_token_details"];
                let (audio, text) = if details.is_object() {
                    (count(&details["audio_tokens"]), count(&details["text_tokens"]))
                } else {
                    (count(&usage["input_tokens"]), 0)
                };
                Usage {
                    transcription_audio_in: audio,
                    transcription_text_in: text,
                    transcription_out: count(&usage["output_tokens"]),
                    ..Usage::default()
                }
            }
            _ => Usage::default(),
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
        self.transcription_text_in += other.transcription_text_in;
        self.transcription_audio_in += other.transcription_audio_in;
        self.transcription_out += other.transcription_out;
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
        + tokens(usage.transcription_text_in) * prices.transcription_text_in
        + tokens(usage.transcription_audio_in) * prices.transcription_audio_in
        + tokens(usage.transcription_out) * prices.transcription_out
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
        let unknown = Usage::from_transcription(&serde_json::json!({"type": "minutes", "minutes": 9}));
        assert_eq!(unknown, Usage::default());
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
    fn transcription_billed_in_tokens_is_priced_not_free() {
        let usage = Usage::from_transcription(&serde_json::json!({"type": "tokens", "input_tokens": 120,
            "input_token_details": {"audio_tokens": 100, "text_tokens": 20}, "output_tokens": 30, "total_tokens": 150}));
        assert_eq!(
            (
                usage.transcription_audio_in,
                usage.transcription_text_in,
                usage.transcription_out
            ),
            (100, 20, 30)
        );
        // gpt-4o-transcribe: 120 input tokens at $2.50/1M and 30 output tokens at $10/1M.
        let prices = Prices::REALTIME_2_1;
        assert!((cost_micros(&usage, &prices) - (120.0 * 2.5 + 30.0 * 10.0)).abs() < 1e-9);
        let mini = prices.with_transcription_tokens(1.25, 1.25, 5.0);
        assert!((cost_micros(&usage, &mini) - (120.0 * 1.25 + 30.0 * 5.0)).abs() < 1e-9);
        // Input without details is the audio being transcribed.
        let bare = Usage::from_transcription(&serde_json::json!({"type": "tokens", "input_tokens": 12}));
        assert_eq!((bare.transcription_audio_in, bare.transcription_text_in), (12, 0));
        assert!(cost_micros(&bare, &prices) > 0.0);
        let mut total = Usage::default();
        total.add(&usage);
        total.add(&bare);
        assert_eq!(total.transcription_audio_in, 112);
    }

    proptest::proptest! {
        /// Whatever numbers a transcription's usage carries (negative, fractional, huge, missing), the
        /// counts are never negative and the cost is a finite, non-negative figure.
        #[test]
        fn transcription_usage_never_goes_negative(
            kind in proptest::sample::select(vec!["tokens", "duration", "other"]),
            audio in proptest::num::f64::ANY,
            text in -1_000_000i64..1_000_000,
            out in proptest::num::f64::ANY,
            seconds in proptest::num::f64::ANY,
            details in proptest::bool::ANY,
        ) {
            let mut usage = serde_json::json!({"type": kind, "input_tokens": audio, "output_tokens": out, "seconds": seconds});
            if details {
                usage["input_token_details"] = serde_json::json!({"audio_tokens": audio, "text_tokens": text});
            }
            let u = Usage::from_transcription(&usage);
            proptest::prop_assert!(u.transcription_ms >= 0 && u.transcription_audio_in >= 0);
            proptest::prop_assert!(u.transcription_text_in >= 0 && u.transcription_out >= 0);
            let mut sum = u;
            sum.add(&u);
            let cost = cost_micros(&sum, &Prices::REALTIME_2_1);
            proptest::prop_assert!(cost.is_finite() && cost >= 0.0, "{cost}");
        }
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
