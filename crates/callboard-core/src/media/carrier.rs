//! The carriers' media-stream wire messages, Twilio and Exotel in one lenient parser: both send `connected`,
//! `start`, `media`, `dtmf`, `mark` and `stop`, Twilio in camelCase and Exotel in snake_case, numbers as
//! strings or numbers, unknown fields and events ignored. Payloads are borrowed from the frame, so parsing
//! a `media` frame allocates nothing. The builders write what we send back (`media`, `mark`, `clear`).

use std::{borrow::Cow, collections::BTreeMap};

use serde::{Deserialize, Deserializer};

/// Which carrier's dialect a socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Twilio,
    Exotel,
}

impl Carrier {
    pub fn as_str(self) -> &'static str {
        match self {
            Carrier::Twilio => "twilio",
            Carrier::Exotel => "exotel",
        }
    }

    fn sid_key(self) -> &'static str {
        match self {
            Carrier::Twilio => "streamSid",
            Carrier::Exotel => "stream_sid",
        }
    }
}

/// How the carrier's audio is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Ulaw,
    Pcm16,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose<'a> {
        N(u64),
        F(f64),
        #[serde(borrow)]
        S(Cow<'a, str>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Loose<'_>>::deserialize(d)? {
        Some(Loose::N(n)) => u32::try_from(n).ok(),
        Some(Loose::F(f)) if f >= 0.0 && f < f64::from(u32::MAX) => Some(f as u32),
        Some(Loose::S(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireFormat<'a> {
    #[serde(borrow)]
    encoding: Option<Cow<'a, str>>,
    #[serde(
        alias = "sample_rate",
        alias = "sampleRate",
        deserialize_with = "string_or_number"
    )]
    rate: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireStart<'a> {
    #[serde(borrow, alias = "streamSid", alias = "stream_sid")]
    sid: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "callSid", alias = "call_sid")]
    call: Option<Cow<'a, str>>,
    #[serde(alias = "customParameters", alias = "custom_parameters")]
    custom: BTreeMap<String, serde_json::Value>,
    #[serde(borrow, alias = "mediaFormat", alias = "media_format")]
    format: Option<WireFormat<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireMedia<'a> {
    #[serde(borrow)]
    track: Option<Cow<'a, str>>,
    #[serde(borrow)]
    payload: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireNamed<'a> {
    #[serde(borrow, alias = "digit")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Wire<'a> {
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow, alias = "streamSid", alias = "stream_sid")]
    sid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    start: Option<WireStart<'a>>,
    #[serde(borrow)]
    media: Option<WireMedia<'a>>,
    #[serde(borrow)]
    dtmf: Option<WireNamed<'a>>,
    #[serde(borrow)]
    mark: Option<WireNamed<'a>>,
    #[serde(borrow)]
    stop: Option<WireNamed<'a>>,
}

/// What a `start` says about the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StartInfo {
    pub stream_sid: String,
    pub call_sid: String,
    /// `<Parameter>`s (Twilio) or URL query pairs (Exotel), values as strings.
    pub custom: BTreeMap<String, String>,
    pub encoding: Encoding,
    pub rate: u32,
}

/// One message from the carrier.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound<'a> {
    Connected,
    Start(StartInfo),
    /// Base64 audio for the contact's track (`outbound` track frames are reported as `OtherTrack`).
    Media {
        stream_sid: Option<Cow<'a, str>>,
        payload: Cow<'a, str>,
    },
    OtherTrack,
    Dtmf(String),
    Mark(String),
    Stop(String),
    Unknown(String),
}

/// Why a frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("`{0}` without its `{1}` object")]
    Missing(&'static str, &'static str),
}

fn encoding_of(carrier: Carrier, raw: Option<&str>) -> Encoding {
    let raw = raw.unwrap_or("").to_ascii_lowercase();
    let ulaw = raw.contains("mulaw") || raw.contains("ulaw") || raw.contains("pcmu");
    let pcm = raw.contains("raw") || raw.contains("l16") || raw.contains("linear") || raw.contains("slin");
    // Unnamed or unknown: Twilio only ever sends µ-law; Exotel's classic Voicebot sends PCM16.
    if ulaw || (!pcm && carrier == Carrier::Twilio) {
        Encoding::Ulaw
    } else {
        Encoding::Pcm16
    }
}

/// Reads one text frame.
pub fn parse(carrier: Carrier, text: &str) -> Result<Inbound<'_>, FrameError> {
    let w: Wire<'_> = serde_json::from_str(text).map_err(|e| FrameError::Json(e.to_string()))?;
    Ok(match w.event.as_ref() {
        "connected" => Inbound::Connected,
        "start" => {
            let s = w.start.ok_or(FrameError::Missing("start", "start"))?;
            let format = s.format.unwrap_or_default();
            let custom = s
                .custom
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect();
            Inbound::Start(StartInfo {
                stream_sid: s.sid.or(w.sid).map(Cow::into_owned).unwrap_or_default(),
                call_sid: s.call.map(Cow::into_owned).unwrap_or_default(),
                custom,
                encoding: encoding_of(carrier, format.encoding.as_deref()),
                rate: format
                    .rate
                    .filter(|r| [8_000, 16_000, 24_000].contains(r))
                    .unwrap_or(8_000),
            })
        }
        "media" => {
            let m = w.media.ok_or(FrameError::Missing("media", "media"))?;
            if m.track.as_deref().is_some_and(|t| t.starts_with("outbound")) {
                Inbound::OtherTrack
            } else {
                Inbound::Media {
                    stream_sid: w.sid,
                    payload: m.payload.ok_or(FrameError::Missing("media", "payload"))?,
                }
            }
        }
        "dtmf" => Inbound::Dtmf(
            w.dtmf
                .and_then(|d| d.name)
                .ok_or(FrameError::Missing("dtmf", "digit"))?
                .into_owned(),
        ),
        "mark" => Inbound::Mark(
            w.mark
                .and_then(|d| d.name)
                .ok_or(FrameError::Missing("mark", "name"))?
                .into_owned(),
        ),
        "stop" => Inbound::Stop(
            w.stop
                .and_then(|s| s.reason)
                .map_or_else(|| "stop".to_owned(), Cow::into_owned),
        ),
        other => Inbound::Unknown(other.chars().take(40).collect()),
    })
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A stream id as the JSON string literal the builders take: a session quotes its id once, not per frame.
pub fn quoted(stream_sid: &str) -> String {
    json_str(stream_sid)
}

/// `{"event":"media",…}` carrying base64 audio.
pub fn media(carrier: Carrier, stream_sid: &str, payload_b64: &str) -> String {
    let mut out = media_head(carrier, &quoted(stream_sid), payload_b64.len());
    out.push_str(payload_b64);
    out.push_str("\"}}");
    out
}

/// [`media`] for a [`quoted`] stream id, base64-encoding `audio` straight into the message.
pub fn media_of(carrier: Carrier, sid_quoted: &str, audio: &[u8]) -> String {
    use base64::Engine as _;
    let mut out = media_head(carrier, sid_quoted, audio.len().div_ceil(3) * 4);
    base64::engine::general_purpose::STANDARD.encode_string(audio, &mut out);
    out.push_str("\"}}");
    out
}

fn media_head(carrier: Carrier, sid_quoted: &str, payload_len: usize) -> String {
    let mut out = String::with_capacity(48 + sid_quoted.len() + payload_len);
    out.push_str(r#"{"event":"media",""#);
    out.push_str(carrier.sid_key());
    out.push_str("\":");
    out.push_str(sid_quoted);
    out.push_str(r#","media":{"payload":""#);
    out
}

pub fn mark(carrier: Carrier, stream_sid: &str, name: &str) -> String {
    mark_of(carrier, &quoted(stream_sid), name)
}

/// [`mark`] for a [`quoted`] stream id.
pub fn mark_of(carrier: Carrier, sid_quoted: &str, name: &str) -> String {
    let mut out = String::with_capacity(48 + sid_quoted.len() + name.len());
    out.push_str(r#"{"event":"mark",""#);
    out.push_str(carrier.sid_key());
    out.push_str("\":");
    out.push_str(sid_quoted);
    out.push_str(r#","mark":{"name":"#);
    // Our own names (`cb-12`) need no escaping; anything else is quoted properly.
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        out.push('"');
        out.push_str(name);
        out.push('"');
    } else {
        out.push_str(&json_str(name));
    }
    out.push_str("}}");
    out
}

pub fn clear(carrier: Carrier, stream_sid: &str) -> String {
    format!(
        r#"{{"event":"clear","{}":{}}}"#,
        carrier.sid_key(),
        json_str(stream_sid)
    )
}

#[cfg(test)]
#[path = "carrier_tests.rs"]
mod tests;
