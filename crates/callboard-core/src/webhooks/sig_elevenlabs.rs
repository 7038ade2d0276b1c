//! ElevenLabs' `ElevenLabs-Signature: t=<unix>,v0=<hex>` check, as a pure function of the secret, the header,
//! the raw body bytes and "now". The message is `"<t>." ++ body`, HMAC-SHA-256 keyed with the secret's UTF-8
//! bytes. Every `v0` in the header is tried (the official SDKs disagree on which one they keep), the compare is
//! constant-time, a timestamp older than 30 minutes is stale, and a configurable skew bounds the future (the
//! SDKs accept any future timestamp; we do not).

use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

use super::SignatureError;

/// The SDKs' replay window.
pub const MAX_AGE: SignedDuration = SignedDuration::from_secs(30 * 60);
/// How far in the future a timestamp may be by default (clock skew between ElevenLabs and this machine).
pub const DEFAULT_FUTURE_SKEW: SignedDuration = SignedDuration::from_secs(5 * 60);

/// The parts of a signature header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedHeader {
    pub timestamp: i64,
    /// Every `v0=` value, hex decoded; undecodable ones are dropped.
    pub signatures: Vec<Vec<u8>>,
}

/// Splits the header on `,` without trimming (as the SDKs do: `", v0="` does not count) and keeps `t=` and
/// every `v0=`.
pub fn parse_header(header: &str) -> Result<ParsedHeader, SignatureError> {
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        if let Some(t) = part.strip_prefix("t=") {
            timestamp = Some(
                t.parse::<i64>()
                    .map_err(|_| SignatureError::Malformed("t is not a number"))?,
            );
        } else if let Some(v) = part.strip_prefix("v0=")
            && let Ok(bytes) = hex::decode(v)
        {
            signatures.push(bytes);
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed("no t= part"))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no signature with scheme v0"));
    }
    Ok(ParsedHeader {
        timestamp,
        signatures,
    })
}

/// The header ElevenLabs would send for `body` at `timestamp` (tests and the bench sign with it).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v0={}", hex::encode(mac))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; the fallback key is never used because `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Verifies `header` over `body`. `future_skew` is how far ahead of `now` the timestamp may be.
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: Timestamp,
    future_skew: SignedDuration,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    let parsed = parse_header(header)?;
    let signed_at =
        Timestamp::from_second(parsed.timestamp).map_err(|_| SignatureError::Malformed("t out of range"))?;
    let age = now.duration_since(signed_at);
    if age > MAX_AGE {
        return Err(SignatureError::Stale);
    }
    if -age > future_skew {
        return Err(SignatureError::FromTheFuture);
    }
    let expected = mac(secret, parsed.timestamp, body);
    // Try every candidate, without stopping at the first match, so timing says nothing about which matched.
    let mut ok = false;
    for candidate in &parsed.signatures {
        ok |= expected.clone().verify_slice(candidate).is_ok();
    }
    if ok { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    const VECTORS: &str = include_str!("../../../../tests/fixtures/elevenlabs/vectors.json");

    fn vectors() -> Vec<Value> {
        let v: Value = serde_json::from_str(VECTORS).unwrap_or(Value::Null);
        v["vectors"].as_array().cloned().unwrap_or_default()
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn every_vector_signs_and_verifies() {
        let vectors = vectors();
        assert_eq!(vectors.len(), 10);
        for v in vectors {
            let (secret, ts) = (
                v["secret"].as_str().unwrap_or(""),
                v["timestamp"].as_i64().unwrap_or(0),
            );
            let body = v["body"].as_str().unwrap_or("").as_bytes();
            let header = v["expected_header"].as_str().unwrap_or("");
            assert_eq!(sign(secret, ts, body), header, "{}", v["name"]);
            assert_eq!(
                verify(secret, header, body, at(ts + 60), DEFAULT_FUTURE_SKEW),
                Ok(()),
                "{}",
                v["name"]
            );
        }
    }

    #[test]
    fn tampering_and_staleness_are_rejected() {
        for v in vectors() {
            let (secret, ts) = (
                v["secret"].as_str().unwrap_or(""),
                v["timestamp"].as_i64().unwrap_or(0),
            );
            let body = v["body"].as_str().unwrap_or("").as_bytes();
            let header = v["expected_header"].as_str().unwrap_or("");
            let now = at(ts);
            let skew = DEFAULT_FUTURE_SKEW;
            let mut tampered = body.to_vec();
            tampered.push(b' ');
            assert_eq!(
                verify(secret, header, &tampered, now, skew),
                Err(SignatureError::Mismatch)
            );
            assert_eq!(
                verify("wrong", header, body, now, skew),
                Err(SignatureError::Mismatch)
            );
            let other_t = header.replacen(&format!("t={ts}"), &format!("t={}", ts + 1), 1);
            assert_eq!(
                verify(secret, &other_t, body, now, skew),
                Err(SignatureError::Mismatch)
            );
            let flipped = flip_last_hex(header);
            assert_eq!(
                verify(secret, &flipped, body, now, skew),
                Err(SignatureError::Mismatch)
            );
            assert_eq!(
                verify(secret, header, body, at(ts + 30 * 60 + 1), skew),
                Err(SignatureError::Stale)
            );
            assert_eq!(verify(secret, header, body, at(ts + 30 * 60), skew), Ok(()));
            assert_eq!(
                verify(secret, header, body, at(ts - 301), skew),
                Err(SignatureError::FromTheFuture)
            );
            assert_eq!(verify(secret, header, body, at(ts - 300), skew), Ok(()));
            assert_eq!(
                verify("", header, body, now, skew),
                Err(SignatureError::NotConfigured)
            );
        }
    }

    fn flip_last_hex(header: &str) -> String {
        let mut s = header.to_owned();
        let last = s.pop().unwrap_or('0');
        s.push(if last == '0' { '1' } else { '0' });
        s
    }

    #[test]
    fn any_v0_may_match_and_spaces_do_not_count() {
        let body = b"{}";
        let good = sign("s3cret", 100, body);
        let sig = good.split_once(",v0=").map(|p| p.1).unwrap_or("");
        let many = format!("t=100,v0={},v1=abc,v0={sig}", "00".repeat(32));
        assert_eq!(
            verify("s3cret", &many, body, at(100), DEFAULT_FUTURE_SKEW),
            Ok(())
        );
        let spaced = format!("t=100, v0={sig}");
        assert!(verify("s3cret", &spaced, body, at(100), DEFAULT_FUTURE_SKEW).is_err());
        assert_eq!(parse_header(""), Err(SignatureError::Missing));
        assert!(parse_header("t=1").is_err());
        assert!(parse_header("v0=00").is_err());
        assert!(parse_header("t=x,v0=00").is_err());
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(s in ".{0,200}") {
            let _ = parse_header(&s);
        }

        #[test]
        fn parse_round_trips(t in -1_000_000_000_000i64..1_000_000_000_000, sigs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 32), 1..4)) {
            let header = std::iter::once(format!("t={t}"))
                .chain(sigs.iter().map(|s| format!("v0={}", hex::encode(s))))
                .collect::<Vec<_>>()
                .join(",");
            let parsed = parse_header(&header);
            prop_assert_eq!(parsed, Ok(ParsedHeader { timestamp: t, signatures: sigs }));
        }

        #[test]
        fn signed_bodies_verify_and_changed_ones_do_not(body in proptest::collection::vec(any::<u8>(), 0..300), flip in any::<usize>()) {
            let header = sign("k", 1_000, &body);
            prop_assert_eq!(verify("k", &header, &body, at(1_000), DEFAULT_FUTURE_SKEW), Ok(()));
            if !body.is_empty() {
                let mut changed = body.clone();
                let i = flip % changed.len();
                changed[i] ^= 1;
                prop_assert_eq!(verify("k", &header, &changed, at(1_000), DEFAULT_FUTURE_SKEW), Err(SignatureError::Mismatch));
            }
        }
    }
}
