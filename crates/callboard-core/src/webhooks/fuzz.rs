//! Fuzz entry points, one per parser that reads what a provider (or anyone on the internet) sends: the
//! signature headers (ElevenLabs, Twilio, OpenAI's Standard Webhooks), Twilio's form canonicalisation, event
//! classification and extraction (ElevenLabs, Twilio, Exotel, OpenAI's SIP events), the allow-list, and the
//! carriers' media-stream frames.
//! Each takes arbitrary bytes and must never panic. The `cargo fuzz` targets in `fuzz/` call these for long
//! runs by hand; the tests below run them briefly in every test run, on the fixtures, on mutated fixtures and
//! on random bytes, so a parser change that panics fails CI before anyone fuzzes.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use super::{
    Provider, extract, payload_telephony::Fields, sig_elevenlabs, sig_openai, sig_twilio, source_ip,
};
use crate::{
    media::{
        carrier::{self, Carrier, Encoding, Inbound},
        pipeline::Pipeline,
    },
    openai,
};

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
    let _ = extract::extract(provider, &c.kind, content_type, body, Some(data_dir));
}

/// An allow-list as configured (any text).
pub fn ip_allow_list(data: &[u8]) {
    if let Ok(list) = String::from_utf8_lossy(data).parse::<source_ip::IpAllowList>() {
        let _ = list.allows(std::net::IpAddr::from([203, 0, 113, 7]));
        let _ = list.to_string();
    }
}

/// A `whsec_` secret for the signature targets (any valid one: a match is not the point).
const OPENAI_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `webhook-id`, `webhook-timestamp` and `webhook-signature` on the first three lines, the body after: OpenAI's
/// Standard Webhooks check. The id line is also read as a configured secret.
pub fn openai_signature(data: &[u8]) {
    let (id, rest) = split_line(data);
    let (timestamp, rest) = split_line(rest);
    let (signature, body) = split_line(rest);
    let (id, timestamp, signature) = (
        String::from_utf8_lossy(id),
        String::from_utf8_lossy(timestamp),
        String::from_utf8_lossy(signature),
    );
    let _ = sig_openai::parse_signatures(&signature);
    let _ = sig_openai::secret_key(&id);
    let headers = sig_openai::Headers {
        id: &id,
        timestamp: &timestamp,
        signature: &signature,
    };
    let now = Timestamp::from_second(1_750_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
    let _ = sig_openai::verify(OPENAI_SECRET, headers, body, now);
    let _ = sig_openai::verify(&id, headers, body, now);
}

/// `webhook-id` on the first line, the body after: an OpenAI SIP event as `POST /webhooks/openai` reads it.
pub fn sip_event(data: &[u8]) {
    let (id, body) = split_line(data);
    let event = openai::sip::classify(&String::from_utf8_lossy(id), body);
    let _ = openai::rest::valid_call_id(&event.call_id);
}

/// Exotel's callbacks: the first byte picks the route (`status` or `passthru`), the first line after it is
/// the `Content-Type` (JSON, form, multipart with its boundary, anything), the rest is the body; read as the
/// handler (`classify`) and the applier (`extract`) do.
pub fn exotel_callback(data: &[u8], data_dir: &Path) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let route = if selector % 2 == 0 { "status" } else { "passthru" };
    let (content_type, body) = split_line(rest);
    let content_type = String::from_utf8_lossy(content_type);
    if let Ok(fields) = Fields::from_body(body, &content_type) {
        let _ = fields.exotel_answered_by();
    }
    let c = extract::classify(Provider::Exotel, route, &content_type, body);
    let _ = extract::extract(Provider::Exotel, &c.kind, &content_type, body, Some(data_dir));
}

/// Media-stream text frames, one per line; the first byte picks the carrier (Twilio or Exotel). Each frame is
/// parsed; a `start` sets up the decoding pipeline its format names and `media` payloads are decoded into it,
/// as the bridge does (before any `start`, as µ-law and as PCM16).
pub fn media_frames(data: &[u8]) {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let carrier = if selector % 2 == 0 {
        Carrier::Twilio
    } else {
        Carrier::Exotel
    };
    let mut pipelines = vec![
        Pipeline::new(carrier, Encoding::Ulaw, 8_000, String::new()),
        Pipeline::new(carrier, Encoding::Pcm16, 8_000, String::new()),
    ];
    while !rest.is_empty() {
        let (frame, next) = split_line(rest);
        rest = next;
        match carrier::parse(carrier, &String::from_utf8_lossy(frame)) {
            Ok(Inbound::Start(s)) => {
                pipelines = vec![Pipeline::new(carrier, s.encoding, s.rate, s.stream_sid)];
            }
            Ok(Inbound::Media { payload, .. }) => {
                for p in &mut pipelines {
                    let _ = p.contact_frame(&payload);
                }
            }
            _ => {}
        }
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
        openai_signature(data);
        sip_event(data);
        exotel_callback(data, dir);
        media_frames(data);
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

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{path}")).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
    }

    /// Seeds shaped for the targets that read header lines or a selector and a content type first, each with
    /// the target that reads it.
    /// A fuzz entry point, as the shaped seeds' tests call it.
    type Target = fn(&[u8], &Path);

    fn shaped_seeds() -> Vec<(Target, Vec<u8>)> {
        let mut seeds: Vec<(Target, Vec<u8>)> = Vec::new();
        let vectors: serde_json::Value = serde_json::from_slice(&fixture("openai-realtime/vectors.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        for v in vectors["vectors"].as_array().into_iter().flatten() {
            let h = |name: &str| v["headers"][name].as_str().unwrap_or_default().to_owned();
            let body = v["body"].as_str().unwrap_or_default();
            let (id, ts, sig) = (h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"));
            seeds.push((
                |d, _| openai_signature(d),
                format!("{id}\n{ts}\n{sig}\n{body}").into_bytes(),
            ));
            seeds.push((|d, _| sip_event(d), format!("{id}\n{body}").into_bytes()));
        }
        for name in [
            "callback_status_answered.json",
            "callback_status_terminal.json",
            "passthru_agentstream_post.json",
        ] {
            for selector in [b'\0', b'\x01'] {
                let mut seed = vec![selector];
                seed.extend(b"application/json\n");
                seed.extend(fixture(&format!("telephony/exotel/{name}")));
                seeds.push((exotel_callback, seed));
            }
        }
        let mut form = b"\0application/x-www-form-urlencoded\n".to_vec();
        form.extend(fixture("telephony/exotel/callback_status_no-answer.form"));
        seeds.push((exotel_callback, form));
        let mut multipart = b"\0multipart/form-data; boundary=X\n".to_vec();
        multipart.extend(b"--X\r\nContent-Disposition: form-data; name=\"CallSid\"\r\n\r\nabc\r\n--X\r\n");
        multipart.extend(b"Content-Disposition: form-data; name=\"Status\"\r\n\r\ncompleted\r\n--X--\r\n");
        seeds.push((exotel_callback, multipart));
        for (selector, path) in [
            (b'\0', "telephony/twilio/twilio_stream.jsonl"),
            (b'\0', "telephony/twilio/twilio_bidirectional_session.jsonl"),
            (b'\x01', "telephony/exotel/exotel_stream.jsonl"),
            (b'\x01', "telephony/exotel/exotel_bidirectional_session.jsonl"),
        ] {
            let mut seed = vec![selector];
            seed.extend(fixture(path));
            seeds.push((|d, _| media_frames(d), seed));
        }
        seeds
    }

    /// Inputs on which a long `cargo fuzz` run found a panic, named `<target>-<hash>`: each fixed, each kept.
    #[test]
    fn inputs_that_once_panicked_do_not() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/fuzz-regressions");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            let data = std::fs::read(&path).unwrap_or_default();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match name.split('-').next() {
                Some("twilio_signature") => twilio_signature(&data),
                other => panic!("no fuzz target {other:?} for {}", path.display()),
            }
            seen += 1;
        }
        assert!(seen > 0, "the regression inputs are in {}", dir.display());
    }

    #[test]
    fn the_shaped_seeds_reach_their_parsers() {
        let incoming = fixture("openai-realtime/webhooks/realtime_call_incoming.json");
        let event = openai::sip::classify("wh_1", &incoming);
        assert_eq!(event.kind, "realtime.call.incoming");
        assert_eq!(event.idempotency_key, "realtime.call.incoming:wh_1");
        assert!(openai::rest::valid_call_id(&event.call_id), "{event:?}");
        let stream = fixture("telephony/exotel/exotel_stream.jsonl");
        let frames = String::from_utf8_lossy(&stream);
        let parsed: Vec<_> = frames
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| carrier::parse(Carrier::Exotel, l))
            .collect();
        assert!(parsed.iter().any(|f| matches!(f, Ok(Inbound::Start(_)))));
        assert!(parsed.iter().any(|f| matches!(f, Ok(Inbound::Media { .. }))));
        let status = fixture("telephony/exotel/callback_status_terminal.json");
        let c = extract::classify(Provider::Exotel, "status", "application/json", &status);
        assert!(c.idempotency_key.starts_with("status:"), "{c:?}");
        assert!(shaped_seeds().len() > 20);
    }

    #[test]
    fn shaped_seeds_and_their_mutations_never_panic() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut rng = StdRng::seed_from_u64(11);
        for (target, seed) in shaped_seeds() {
            target(&seed, dir.path());
            for _ in 0..16 {
                let mut m = seed.clone();
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..m.len().max(1));
                    if at < m.len() {
                        m[at] ^= rng.random::<u8>() | 1;
                    }
                }
                m.truncate(rng.random_range(0..=m.len()));
                target(&m, dir.path());
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
