//! Fuzz entry points, one per parser that reads what a provider (or anyone on the internet) sends: the
//! signature headers, Twilio's form canonicalisation, event classification and extraction, the allow-list.
//! Each takes arbitrary bytes and must never panic. The `cargo fuzz` targets in `fuzz/` call these for long
//! runs by hand; the tests below run them briefly in every test run, on the fixtures, on mutated fixtures and
//! on random bytes, so a parser change that panics fails CI before anyone fuzzes.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use super::{Provider, extract, sig_elevenlabs, sig_twilio, source_ip};

/// Splits `data` at the first newline: `(first line, rest)`.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// `ElevenLabs-Signature` header on the first line, the body after it.
pub fn elevenlabs_signature(data: &[u8]) {
    let (header, body) = split_line(data);
    let header = String::from_utf8_lossy(header);
    let _ = sig_elevenlabs::parse_header(&header);
    let now = Timestamp::from_second(1_750_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
    let _ = sig_elevenlabs::verify("whsec", &header, body, now, SignedDuration::from_secs(300));
}

/// The URL on the first line, `X-Twilio-Signature` on the second, the body after: checked as a form and as
/// a JSON body (`bodySHA256`), with both algorithms, at every URL variant.
pub fn twilio_signature(data: &[u8]) {
    let (url, rest) = split_line(data);
    let (signature, body) = split_line(rest);
    let (url, signature) = (String::from_utf8_lossy(url), String::from_utf8_lossy(signature));
    let params = sig_twilio::parse_form(body);
    let _ = sig_twilio::string_to_sign(&url, &params);
    for variant in sig_twilio::url_variants(&url) {
        for algorithm in [sig_twilio::Algorithm::Sha1, sig_twilio::Algorithm::Sha256] {
            let form = sig_twilio::Payload::Form(&params);
            let _ = sig_twilio::validate("token", &variant, form, &signature, algorithm);
            let raw = sig_twilio::Payload::Body(body);
            let _ = sig_twilio::validate("token", &variant, raw, &signature, algorithm);
        }
    }
}

/// The provider, route and content type the first byte picks, for `classify` and `extract`.
fn pick(selector: u8) -> (Provider, &'static str, &'static str) {
    const FORM: &str = "application/x-www-form-urlencoded";
    const JSON: &str = "application/json";
    const MULTIPART: &str = "multipart/form-data; boundary=X";
    const ROUTES: [(Provider, &str, &str); 10] = [
        (Provider::Elevenlabs, "", JSON),
        (Provider::Twilio, "status", FORM),
        (Provider::Twilio, "amd", FORM),
        (Provider::Twilio, "recording", FORM),
        (Provider::Twilio, "stream", FORM),
        (Provider::Twilio, "status", JSON),
        (Provider::Exotel, "status", JSON),
        (Provider::Exotel, "status", FORM),
        (Provider::Exotel, "status", MULTIPART),
        (Provider::Exotel, "passthru", FORM),
    ];
    ROUTES[usize::from(selector) % ROUTES.len()]
}

/// The first byte picks the provider, route and content type; the rest is the body. Classified, then
/// extracted (recordings, if any, go under `data_dir`).
pub fn webhook_body(data: &[u8], data_dir: &Path) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (provider, route, content_type) = pick(selector);
    let c = extract::classify(provider, route, content_type, body);
    let _ = extract::extract(provider, &c.kind, content_type, body, data_dir);
}

/// An allow-list as configured (any text).
pub fn ip_allow_list(data: &[u8]) {
    if let Ok(list) = String::from_utf8_lossy(data).parse::<source_ip::IpAllowList>() {
        let _ = list.allows(std::net::IpAddr::from([203, 0, 113, 7]));
        let _ = list.to_string();
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

    /// Every fixture body, with the selector byte that routes it to its own parser.
    fn seeds() -> Vec<Vec<u8>> {
        let mut seeds = Vec::new();
        let mut add = |dir: &str, selector: u8| {
            let Ok(entries) = std::fs::read_dir(format!("{FIXTURES}/{dir}")) else {
                panic!("fixtures missing: {FIXTURES}/{dir}");
            };
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    let mut seed = vec![selector];
                    seed.extend(bytes);
                    seeds.push(seed);
                }
            }
        };
        add("elevenlabs/webhooks", 0);
        add("telephony/twilio", 1);
        add("telephony/exotel", 6);
        seeds
    }

    fn every_target(data: &[u8], dir: &Path) {
        elevenlabs_signature(data);
        twilio_signature(data);
        webhook_body(data, dir);
        ip_allow_list(data);
    }

    #[test]
    fn fixtures_and_their_mutations_never_panic() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut rng = StdRng::seed_from_u64(7);
        for seed in seeds() {
            for selector in 0..10u8 {
                let mut data = seed.clone();
                data[0] = selector;
                every_target(&data, dir.path());
                // A few byte flips and truncations per seed and route.
                for _ in 0..4 {
                    let mut m = data.clone();
                    let at = rng.random_range(1..m.len().max(2));
                    if at < m.len() {
                        m[at] ^= rng.random::<u8>() | 1;
                    }
                    m.truncate(rng.random_range(1..=m.len().max(1)));
                    every_target(&m, dir.path());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            every_target(&data, dir.path());
        }

        #[test]
        fn signature_lines_never_panic(header in "[tv0=,.0-9a-f ]{0,80}", url in "\\PC{0,60}", body in "\\PC{0,200}") {
            elevenlabs_signature(format!("{header}\n{body}").as_bytes());
            twilio_signature(format!("{url}\n{header}\n{body}").as_bytes());
        }
    }
}
