use proptest::prelude::*;

use super::*;

#[test]
fn twilio_start_and_media_are_read() {
    let start = r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"call_id":"7","token":"abc"}},"streamSid":"MZ1"}"#;
    let Ok(Inbound::Start(s)) = parse(Carrier::Twilio, start) else {
        panic!("start")
    };
    assert_eq!(
        (s.stream_sid.as_str(), s.call_sid.as_str(), s.rate, s.encoding),
        ("MZ1", "CA1", 8_000, Encoding::Ulaw)
    );
    assert_eq!(s.custom.get("call_id").map(String::as_str), Some("7"));
    let media = r#"{"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"//8="},"streamSid":"MZ1"}"#;
    assert!(matches!(parse(Carrier::Twilio, media), Ok(Inbound::Media { payload, .. }) if payload == "//8="));
    let out = r#"{"event":"media","media":{"track":"outbound","payload":"//8="}}"#;
    assert_eq!(parse(Carrier::Twilio, out), Ok(Inbound::OtherTrack));
}

#[test]
fn exotel_numbers_may_be_strings_or_numbers() {
    for rate in [r#""16000""#, "16000"] {
        let start = format!(
            r#"{{"event":"start","sequence_number":1,"stream_sid":"S","start":{{"stream_sid":"S","call_sid":"C","account_sid":"A","custom_parameters":{{"call_id":3}},"media_format":{{"encoding":"audio/x-raw","sample_rate":{rate},"bit_rate":"16"}}}}}}"#
        );
        let Ok(Inbound::Start(s)) = parse(Carrier::Exotel, &start) else {
            panic!("start")
        };
        assert_eq!((s.rate, s.encoding), (16_000, Encoding::Pcm16));
        assert_eq!(s.custom.get("call_id").map(String::as_str), Some("3"));
    }
    let stop = r#"{"event":"stop","sequence_number":"5","stream_sid":"S","stop":{"call_sid":"C","reason":"callended"}}"#;
    assert_eq!(
        parse(Carrier::Exotel, stop),
        Ok(Inbound::Stop("callended".into()))
    );
    let dtmf = r#"{"event":"dtmf","stream_sid":"S","dtmf":{"digit":"5","duration":"100"}}"#;
    assert_eq!(parse(Carrier::Exotel, dtmf), Ok(Inbound::Dtmf("5".into())));
}

#[test]
fn bad_frames_say_what_is_wrong() {
    assert!(matches!(
        parse(Carrier::Twilio, "{not json"),
        Err(FrameError::Json(_))
    ));
    assert_eq!(
        parse(Carrier::Twilio, r#"{"event":"media"}"#),
        Err(FrameError::Missing("media", "media"))
    );
    assert_eq!(
        parse(Carrier::Twilio, r#"{"event":"wat","x":1}"#),
        Ok(Inbound::Unknown("wat".into()))
    );
}

#[test]
fn outbound_messages_use_each_carriers_key() {
    let m: serde_json::Value = serde_json::from_str(&media(Carrier::Twilio, "MZ\"1", "AAA=")).expect("json");
    assert_eq!(m["streamSid"], "MZ\"1");
    assert_eq!(m["media"]["payload"], "AAA=");
    let c: serde_json::Value = serde_json::from_str(&clear(Carrier::Exotel, "S")).expect("json");
    assert_eq!(
        (c["event"].as_str(), c["stream_sid"].as_str()),
        (Some("clear"), Some("S"))
    );
    let k: serde_json::Value = serde_json::from_str(&mark(Carrier::Exotel, "S", "a1")).expect("json");
    assert_eq!(k["mark"]["name"], "a1");
}

proptest! {
    #[test]
    fn any_text_parses_or_errors_without_panicking(s in ".{0,200}") {
        let _ = parse(Carrier::Twilio, &s);
        let _ = parse(Carrier::Exotel, &s);
    }

    #[test]
    fn mark_names_survive_the_round_trip(name in "[ -~]{1,40}") {
        let text = mark(Carrier::Twilio, "MZ", &name);
        prop_assert_eq!(parse(Carrier::Twilio, &text), Ok(Inbound::Mark(name)));
    }
}

proptest! {
    /// The builders that take a pre-quoted stream id write exactly what the one-shot `format!` wrote.
    #[test]
    fn prequoted_builders_write_the_same_bytes(
        sid in "[ -~]{0,24}",
        name in "[ -~]{1,24}",
        audio in proptest::collection::vec(any::<u8>(), 0..400),
        exotel in any::<bool>(),
    ) {
        use base64::Engine as _;
        let carrier = if exotel { Carrier::Exotel } else { Carrier::Twilio };
        let key = if exotel { "stream_sid" } else { "streamSid" };
        let q = |s: &str| serde_json::Value::from(s).to_string();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&audio);
        let want_media = format!(r#"{{"event":"media","{key}":{},"media":{{"payload":"{b64}"}}}}"#, q(&sid));
        let want_mark = format!(r#"{{"event":"mark","{key}":{},"mark":{{"name":{}}}}}"#, q(&sid), q(&name));
        prop_assert_eq!(&media_of(carrier, &quoted(&sid), &audio), &want_media);
        prop_assert_eq!(&media(carrier, &sid, &b64), &want_media);
        prop_assert_eq!(&mark_of(carrier, &quoted(&sid), &name), &want_mark);
        prop_assert_eq!(&mark(carrier, &sid, &name), &want_mark);
    }
}
