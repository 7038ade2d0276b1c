//! Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, url ++ sorted form params)), as a pure
//! function. The URL is the one Twilio called, which behind a tunnel is the configured public base URL plus
//! the path and the raw query, never one rebuilt from the request. Like the official libraries we accept the
//! URL with and without its port (`:443`/`:80` added or any port removed); the scheme is never changed. JSON
//! bodies use the `bodySHA256` variant: the URL alone is signed and the body's hex SHA-256 must equal the
//! query's `bodySHA256`. twilio-python 9.13 also knows an HMAC-SHA256 variant, kept switchable here.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::SignatureError;

/// Which HMAC the request was signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    #[default]
    Sha1,
    /// `X-Twilio-Webhooks-Signature-Settings: …,algorithm=HMAC_SHA256` (unconfirmed by Twilio's docs).
    Sha256,
}

impl Algorithm {
    /// Reads `X-Twilio-Webhooks-Signature-Settings`; anything else means SHA-1.
    pub fn from_settings_header(value: Option<&str>) -> Algorithm {
        let sha256 = value.is_some_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("algorithm=HMAC_SHA256"))
        });
        if sha256 {
            Algorithm::Sha256
        } else {
            Algorithm::Sha1
        }
    }
}

/// What was signed besides the URL.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// Decoded form fields, in any order, repeats kept (GET requests: none).
    Form(&'a [(String, String)]),
    /// A raw (JSON) body, checked against the URL's `bodySHA256`.
    Body(&'a [u8]),
}

/// Decodes an `application/x-www-form-urlencoded` body into pairs, keeping repeats and empty values.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `url` followed by each distinct key in byte order, each with each of its distinct values in byte order.
pub fn string_to_sign(url: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut s =
        String::with_capacity(url.len() + pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>());
    s.push_str(url);
    for (k, v) in pairs {
        s.push_str(k);
        s.push_str(v);
    }
    s
}

fn raw_mac(token: &str, message: &[u8], algorithm: Algorithm) -> Vec<u8> {
    match algorithm {
        Algorithm::Sha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(token.as_bytes())
                .unwrap_or_else(|_| Hmac::<Sha1>::new(&Default::default()));
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes())
                .unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()));
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// The header value Twilio sends (tests and the bench sign with it).
pub fn sign(token: &str, url: &str, params: &[(String, String)], algorithm: Algorithm) -> String {
    base64::engine::general_purpose::STANDARD.encode(raw_mac(
        token,
        string_to_sign(url, params).as_bytes(),
        algorithm,
    ))
}

/// Constant-time equality of two byte strings (length is not secret).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The URL variants the official validators accept: with the default port added (when none is given) and
/// with the port removed (when one is given). One of them is always `url` itself.
pub fn url_variants(url: &str) -> [String; 2] {
    let Some((scheme, rest)) = url.split_once("://") else {
        return [url.to_owned(), url.to_owned()];
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => authority.split_at(i + 1),
        None => ("", authority),
    };
    // An IPv6 literal's colons are inside brackets.
    let host_end = if hostport.starts_with('[') {
        hostport.find(']').map_or(hostport.len(), |i| i + 1)
    } else {
        hostport.find(':').unwrap_or(hostport.len())
    };
    let (host, port) = hostport.split_at(host_end);
    // After a bracketed host anything may follow (a request's Host header is anyone's to write), not only
    // `:port`: slicing past its first byte panicked on a multi-byte character (found by `cargo fuzz`).
    let has_port = port
        .strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" | "wss" => 443,
        _ => 80,
    };
    let with_port = if has_port {
        url.to_owned()
    } else {
        format!("{scheme}://{userinfo}{host}:{default}{tail}")
    };
    let without_port = if has_port {
        format!("{scheme}://{userinfo}{host}{tail}")
    } else {
        url.to_owned()
    };
    [with_port, without_port]
}

/// The value of `name` in the URL's query string, decoded.
fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Checks `signature` (the header value) for a request to `url` carrying `payload`.
pub fn validate(
    token: &str,
    url: &str,
    payload: Payload<'_>,
    signature: &str,
    algorithm: Algorithm,
) -> Result<(), SignatureError> {
    if token.is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    if signature.is_empty() {
        return Err(SignatureError::Missing);
    }
    let no_params: [(String, String); 0] = [];
    let params: &[(String, String)] = match payload {
        Payload::Form(p) => p,
        Payload::Body(body) => {
            let expected = query_value(url, "bodySHA256")
                .ok_or(SignatureError::Malformed("no bodySHA256 in the URL"))?;
            if !hex::encode(Sha256::digest(body)).eq_ignore_ascii_case(&expected) {
                return Err(SignatureError::Mismatch);
            }
            &no_params
        }
    };
    let offered = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| SignatureError::Malformed("the signature is not base64"))?;
    let mut ok = false;
    for candidate in url_variants(url) {
        ok |= ct_eq(
            &raw_mac(token, string_to_sign(&candidate, params).as_bytes(), algorithm),
            &offered,
        );
    }
    if ok { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    const VECTORS: &str = include_str!("../../../../tests/fixtures/telephony/twilio_vectors.json");

    fn params_of(v: &Value) -> Vec<(String, String)> {
        v["params"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap_or("").to_owned(),
                            p[1].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn check(v: &Value, url: &str) -> Result<(), SignatureError> {
        let token = v["auth_token"].as_str().unwrap_or("");
        let sig = v["expected_signature"].as_str().unwrap_or("");
        let alg = if v["algorithm"] == "HMAC_SHA256" {
            Algorithm::Sha256
        } else {
            Algorithm::Sha1
        };
        let params = params_of(v);
        match v["body"].as_str() {
            Some(body) => validate(token, url, Payload::Body(body.as_bytes()), sig, alg),
            None => validate(token, url, Payload::Form(&params), sig, alg),
        }
    }

    #[test]
    fn all_28_vectors_pass_including_the_seen_at_variants() {
        let all: Value = serde_json::from_str(VECTORS).unwrap_or(Value::Null);
        let vectors = all["vectors"].as_array().cloned().unwrap_or_default();
        assert_eq!(vectors.len(), 28);
        for v in &vectors {
            let id = v["id"].as_str().unwrap_or("?");
            let url = v["url"].as_str().unwrap_or("");
            if v.get("body").is_none() {
                assert_eq!(
                    string_to_sign(url, &params_of(v)),
                    v["string_to_sign"].as_str().unwrap_or(""),
                    "{id}"
                );
            }
            assert_eq!(check(v, url), Ok(()), "{id}");
            if let Some(seen) = v["validate_as_seen_at"].as_object() {
                for (other, expected) in seen {
                    assert_eq!(
                        check(v, other).is_ok(),
                        expected.as_bool().unwrap_or(false),
                        "{id} seen at {other}"
                    );
                }
            }
        }
    }

    #[test]
    fn tampering_is_rejected() {
        let all: Value = serde_json::from_str(VECTORS).unwrap_or(Value::Null);
        for v in all["vectors"].as_array().cloned().unwrap_or_default() {
            let id = v["id"].as_str().unwrap_or("?");
            let url = v["url"].as_str().unwrap_or("");
            let token = v["auth_token"].as_str().unwrap_or("");
            let sig = v["expected_signature"].as_str().unwrap_or("");
            let alg = if v["algorithm"] == "HMAC_SHA256" {
                Algorithm::Sha256
            } else {
                Algorithm::Sha1
            };
            let mut params = params_of(&v);
            if let Some(body) = v["body"].as_str() {
                let changed = format!("{body} ");
                assert!(
                    validate(token, url, Payload::Body(changed.as_bytes()), sig, alg).is_err(),
                    "{id}"
                );
                continue;
            }
            assert!(
                validate("wrong-token", url, Payload::Form(&params), sig, alg).is_err(),
                "{id}"
            );
            assert!(
                validate(token, &format!("{url}x"), Payload::Form(&params), sig, alg).is_err(),
                "{id}"
            );
            let http = match url.split_once("://") {
                Some(("https", rest)) => format!("http://{rest}"),
                Some((_, rest)) => format!("https://{rest}"),
                None => format!("https://{url}"),
            };
            assert!(
                validate(token, &http, Payload::Form(&params), sig, alg).is_err(),
                "{id}"
            );
            params.push(("Extra".into(), "1".into()));
            assert!(
                validate(token, url, Payload::Form(&params), sig, alg).is_err(),
                "{id}"
            );
            assert!(
                validate(token, url, Payload::Form(&params_of(&v)), "AAAA", alg).is_err(),
                "{id}"
            );
        }
    }

    #[test]
    fn fixture_bodies_verify_at_their_urls() {
        for name in [
            "callback_status_04_completed",
            "callback_async_amd",
            "callback_recording_completed",
            "callback_stream_error",
        ] {
            let text = match name {
                "callback_status_04_completed" => include_str!(
                    "../../../../tests/fixtures/telephony/twilio/callback_status_04_completed.json"
                ),
                "callback_async_amd" => {
                    include_str!("../../../../tests/fixtures/telephony/twilio/callback_async_amd.json")
                }
                "callback_recording_completed" => include_str!(
                    "../../../../tests/fixtures/telephony/twilio/callback_recording_completed.json"
                ),
                _ => include_str!("../../../../tests/fixtures/telephony/twilio/callback_stream_error.json"),
            };
            let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            let params = parse_form(v["body"].as_str().unwrap_or("").as_bytes());
            let r = validate(
                v["auth_token_used_for_signature"].as_str().unwrap_or(""),
                v["url"].as_str().unwrap_or(""),
                Payload::Form(&params),
                v["headers"]["X-Twilio-Signature"].as_str().unwrap_or(""),
                Algorithm::Sha1,
            );
            assert_eq!(r, Ok(()), "{name}");
        }
    }

    #[test]
    fn port_variants() {
        assert_eq!(
            url_variants("https://a.b/p?q=1"),
            ["https://a.b:443/p?q=1".to_owned(), "https://a.b/p?q=1".to_owned()]
        );
        assert_eq!(
            url_variants("http://u:p@a.b:8080/p"),
            ["http://u:p@a.b:8080/p".to_owned(), "http://u:p@a.b/p".to_owned()]
        );
        assert_eq!(
            url_variants("wss://a.b"),
            ["wss://a.b:443".to_owned(), "wss://a.b".to_owned()]
        );
        assert_eq!(
            Algorithm::from_settings_header(Some("key=K1,algorithm=HMAC_SHA256")),
            Algorithm::Sha256
        );
        assert_eq!(Algorithm::from_settings_header(None), Algorithm::Sha1);
    }

    fn encode(params: &[(String, String)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish()
    }

    proptest! {
        #[test]
        fn canonical_form_ignores_order_and_repeats(
            params in proptest::collection::vec(("[A-Za-z_.\\[\\]]{0,6}", "\\PC{0,8}"), 0..12),
            seed in any::<u64>(),
        ) {
            let url = "https://x.example/hook";
            let base = string_to_sign(url, &params);
            let mut shuffled = params.clone();
            // A deterministic shuffle plus duplicated pairs.
            let n = shuffled.len().max(1);
            shuffled.rotate_left((seed as usize) % n);
            if let Some(first) = params.first() { shuffled.push(first.clone()); }
            prop_assert_eq!(string_to_sign(url, &shuffled), base.clone());
            // Encoding to a form body and parsing it back changes nothing.
            prop_assert_eq!(string_to_sign(url, &parse_form(encode(&params).as_bytes())), base);
        }

        #[test]
        fn signed_forms_validate(params in proptest::collection::vec(("[A-Za-z]{1,6}", "\\PC{0,8}"), 0..8)) {
            let url = "https://x.example/webhooks/twilio/status?a=1";
            let sig = sign("tok", url, &params, Algorithm::Sha1);
            prop_assert_eq!(validate("tok", url, Payload::Form(&params), &sig, Algorithm::Sha1), Ok(()));
            prop_assert!(validate("tok", "https://x.example/webhooks/twilio/amd?a=1", Payload::Form(&params), &sig, Algorithm::Sha1).is_err());
        }

        #[test]
        fn url_variants_never_panic(url in "\\PC{0,60}") {
            let _ = url_variants(&url);
        }
    }
}
