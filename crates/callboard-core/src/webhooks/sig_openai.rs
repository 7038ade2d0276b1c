//! OpenAI's webhook signature (Standard Webhooks v1), as a pure function of the secret, the three headers,
//! the raw body bytes and "now". The signed content is `"{webhook-id}.{webhook-timestamp}." ++ body`,
//! HMAC-SHA-256 keyed with the base64-decoded part of the `whsec_…` secret; `webhook-signature` is a
//! space-separated list of `v1,<base64>` (several during a secret rotation). Any `v1` may match, other
//! versions are ignored, the compare is constant-time, and the timestamp must lie within five minutes of now
//! either way (the spec's and the SDKs' tolerance).

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

use super::SignatureError;

/// How far the timestamp may be from now, in either direction.
pub const TOLERANCE: SignedDuration = SignedDuration::from_secs(5 * 60);
const SECRET_PREFIX: &str = "whsec_";

/// The three Standard Webhooks headers, as received.
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    pub id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
}

/// The HMAC key from a `whsec_<base64>` secret (the prefix is optional, as in the SDKs).
pub fn secret_key(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let b64 = secret.trim().strip_prefix(SECRET_PREFIX).unwrap_or(secret.trim());
    STANDARD
        .decode(b64)
        .map_err(|_| SignatureError::Malformed("the webhook secret is not base64 after whsec_"))
}

fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; the fallback is never used because `new_from_slice` cannot fail.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `webhook-signature` value OpenAI would send (tests and the simulator sign with it).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let key = secret_key(secret)?;
    let sig = mac(&key, id, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(sig)))
}

/// The `v1` signatures in the header, decoded; other versions and undecodable entries are dropped.
pub fn parse_signatures(header: &str) -> Vec<Vec<u8>> {
    header
        .split(' ')
        .filter_map(|part| part.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
        .collect()
}

/// Verifies a delivery. `secret` is the `whsec_…` value; an empty one means "not configured".
pub fn verify(secret: &str, h: Headers<'_>, body: &[u8], now: Timestamp) -> Result<(), SignatureError> {
    if secret.trim().is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    if h.id.is_empty() || h.timestamp.is_empty() || h.signature.is_empty() {
        return Err(SignatureError::Missing);
    }
    let secs: i64 = h
        .timestamp
        .parse()
        .map_err(|_| SignatureError::Malformed("webhook-timestamp is not a number"))?;
    let signed_at = Timestamp::from_second(secs)
        .map_err(|_| SignatureError::Malformed("webhook-timestamp out of range"))?;
    let age = now.duration_since(signed_at);
    if age > TOLERANCE {
        return Err(SignatureError::Stale);
    }
    if -age > TOLERANCE {
        return Err(SignatureError::FromTheFuture);
    }
    let key = secret_key(secret)?;
    let candidates = parse_signatures(h.signature);
    if candidates.is_empty() {
        return Err(SignatureError::Malformed("no signature with version v1"));
    }
    let expected = mac(&key, h.id, h.timestamp, body);
    // Try every candidate without stopping at the first match, so timing says nothing about which matched.
    let mut ok = false;
    for candidate in &candidates {
        ok |= expected.clone().verify_slice(candidate).is_ok();
    }
    if ok { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    const VECTORS: &str = include_str!("../../../../tests/fixtures/openai-realtime/vectors.json");
    const SECRET: &str = "whsec_8oFkRpfw1gPdTmwJXL8yRaGMNGvoBm8VfqulpMsqVco=";

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn headers(v: &Value) -> Headers<'_> {
        Headers {
            id: v["headers"]["webhook-id"].as_str().unwrap_or(""),
            timestamp: v["headers"]["webhook-timestamp"].as_str().unwrap_or(""),
            signature: v["headers"]["webhook-signature"].as_str().unwrap_or(""),
        }
    }

    #[test]
    fn every_vector_verifies_or_fails_as_recorded() {
        let all: Value = serde_json::from_str(VECTORS).unwrap_or(Value::Null);
        let vectors = all["vectors"].as_array().cloned().unwrap_or_default();
        assert_eq!(vectors.len(), 9);
        for v in &vectors {
            let got = verify(
                v["secret"].as_str().unwrap_or(""),
                headers(v),
                v["body"].as_str().unwrap_or("").as_bytes(),
                at(v["verify_at"].as_i64().unwrap_or(0)),
            );
            let want_ok = v["expect"] == "ok";
            assert_eq!(got.is_ok(), want_ok, "{}: {got:?}", v["name"]);
            let why = match v["name"].as_str().unwrap_or("") {
                "stale_timestamp" => Some(SignatureError::Stale),
                "future_timestamp" => Some(SignatureError::FromTheFuture),
                "unknown_version_only" => Some(SignatureError::Malformed("no signature with version v1")),
                "tampered_body" | "reserialized_body" | "wrong_secret" | "other_webhook_id" => {
                    Some(SignatureError::Mismatch)
                }
                _ => None,
            };
            if let Some(why) = why {
                assert_eq!(got, Err(why), "{}", v["name"]);
            }
        }
    }

    #[test]
    fn signing_reproduces_the_recorded_signature() {
        let all: Value = serde_json::from_str(VECTORS).unwrap_or(Value::Null);
        let v = &all["vectors"][0];
        let body = v["body"].as_str().unwrap_or("").as_bytes();
        assert_eq!(
            sign(SECRET, "wh_FAKE0123456789abcdef0123456789ab", 1_795_000_000, body).ok(),
            Some("v1,rBvykN2Kd1U4TpciztYWE1WmatDHWyhWI0E10KY0wzg=".to_owned())
        );
    }

    #[test]
    fn several_signatures_and_edges_of_the_window() {
        let body = b"{}";
        let good = sign(SECRET, "wh_1", 1_000_000, body).unwrap_or_default();
        let many = format!("v1,AAAA v2,zzz v1,{}", good.trim_start_matches("v1,"));
        fn h<'a>(signature: &'a str, timestamp: &'a str) -> Headers<'a> {
            Headers {
                id: "wh_1",
                timestamp,
                signature,
            }
        }
        let many = many.as_str();
        assert_eq!(verify(SECRET, h(many, "1000000"), body, at(1_000_000)), Ok(()));
        assert_eq!(verify(SECRET, h(many, "1000000"), body, at(1_000_300)), Ok(()));
        assert_eq!(
            verify(SECRET, h(many, "1000000"), body, at(1_000_301)),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(SECRET, h(many, "1000000"), body, at(999_700)), Ok(()));
        assert_eq!(
            verify(SECRET, h(many, "1000000"), body, at(999_699)),
            Err(SignatureError::FromTheFuture)
        );
        assert_eq!(
            verify("", h(many, "1000000"), body, at(1_000_000)),
            Err(SignatureError::NotConfigured)
        );
        assert_eq!(
            verify(SECRET, h("", "1000000"), body, at(1_000_000)),
            Err(SignatureError::Missing)
        );
        assert!(verify(SECRET, h(many, "soon"), body, at(1_000_000)).is_err());
        assert!(verify("whsec_!!notbase64", h(many, "1000000"), body, at(1_000_000)).is_err());
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(s in ".{0,200}") {
            let _ = parse_signatures(&s);
            let _ = verify(SECRET, Headers { id: "x", timestamp: "1", signature: &s }, b"", at(1));
        }

        #[test]
        fn signed_bodies_verify_and_changed_ones_do_not(body in proptest::collection::vec(any::<u8>(), 0..300), flip in any::<usize>()) {
            let sig = sign(SECRET, "wh_p", 5_000, &body).unwrap_or_default();
            let h = Headers { id: "wh_p", timestamp: "5000", signature: &sig };
            prop_assert_eq!(verify(SECRET, h, &body, at(5_000)), Ok(()));
            if !body.is_empty() {
                let mut changed = body.clone();
                let i = flip % changed.len();
                changed[i] ^= 1;
                prop_assert_eq!(verify(SECRET, h, &changed, at(5_000)), Err(SignatureError::Mismatch));
            }
        }
    }
}
