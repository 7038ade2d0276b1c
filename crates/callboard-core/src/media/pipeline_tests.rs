use base64::Engine as _;

use super::*;
use crate::media::marks::MarkEcho;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn payload_of(msg: &str) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_str(msg).unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(v["media"]["payload"].as_str().unwrap_or(""))
        .unwrap_or_default()
}

#[test]
fn twilio_ulaw_passes_to_a_ulaw_agent_unchanged() {
    let mut p = Pipeline::new(Carrier::Twilio, Encoding::Ulaw, 8_000, "MZ1".into());
    let frame: Vec<u8> = (0..160u32).map(|i| (i * 7 % 256) as u8).collect();
    assert_eq!(p.contact_frame(&b64(&frame)), Ok(160));
    // Before the agent answers the frame is kept, then handed over in 20 ms pieces.
    assert_eq!(p.for_agent(), None);
    p.set_agent_formats(AgentAudio::Ulaw8k, AgentAudio::Ulaw8k);
    let early = p.early_for_agent();
    assert_eq!(early.len(), 1);
    let decoded: Vec<i16> = early[0].iter().map(|&b| audio::ulaw_decode(b)).collect();
    let want: Vec<i16> = frame.iter().map(|&b| audio::ulaw_decode(b)).collect();
    assert_eq!(decoded, want);
    assert_eq!(p.contact_frame(&b64(&frame)), Ok(160));
    assert_eq!(p.for_agent(), Some(&frame[..]));
}

#[test]
fn a_pcm16k_agent_gets_each_frame_converted_into_the_reused_buffer() {
    let mut p = Pipeline::new(Carrier::Twilio, Encoding::Ulaw, 8_000, "MZ1".into());
    p.set_agent_formats(AgentAudio::Pcm(16_000), AgentAudio::Pcm(16_000));
    let frame: Vec<u8> = (0..160u32).map(|i| (i * 7 % 256) as u8).collect();
    for _ in 0..3 {
        assert_eq!(p.contact_frame(&b64(&frame)), Ok(160));
        // 20 ms at 16 kHz, PCM16LE: the buffer is cleared, not appended to, frame after frame.
        assert_eq!(p.for_agent().map(<[u8]>::len), Some(640));
    }
}

#[test]
fn bad_payloads_are_named() {
    let mut p = Pipeline::new(Carrier::Exotel, Encoding::Pcm16, 8_000, "S".into());
    assert_eq!(p.contact_frame("!!!"), Err(AudioError::Base64));
    assert_eq!(p.contact_frame(&b64(&[1, 2, 3])), Err(AudioError::OddLength(3)));
    assert!(matches!(
        p.contact_frame(&"A".repeat(200_000)),
        Err(AudioError::Oversized(_))
    ));
}

#[test]
fn agent_pcm16k_reaches_twilio_as_8k_ulaw_with_a_mark() {
    let mut p = Pipeline::new(Carrier::Twilio, Encoding::Ulaw, 8_000, "MZ1".into());
    p.set_agent_formats(AgentAudio::Pcm(16_000), AgentAudio::Pcm(16_000));
    let mut out = Vec::new();
    p.agent_audio(1, &vec![0u8; 640], &mut out); // 20 ms at 16 kHz
    assert_eq!(out.len(), 2);
    assert_eq!(payload_of(&out[0]).len(), 160);
    assert!(out[1].contains(r#""event":"mark""#));
}

#[test]
fn exotel_gets_conforming_chunks_and_a_padded_tail() {
    let mut p = Pipeline::new(Carrier::Exotel, Encoding::Pcm16, 8_000, "S".into());
    p.set_agent_formats(AgentAudio::Pcm(8_000), AgentAudio::Pcm(8_000));
    let mut out = Vec::new();
    p.agent_audio(1, &vec![1u8; 4000], &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(payload_of(&out[0]).len(), 3840);
    assert!(p.has_tail());
    p.flush_tail(&mut out);
    assert_eq!(payload_of(&out[2]).len(), 3200);
    assert!(!p.has_tail());
}

#[test]
fn barge_in_clears_and_drops_older_agent_audio() {
    let mut p = Pipeline::new(Carrier::Twilio, Encoding::Ulaw, 8_000, "MZ1".into());
    p.set_agent_formats(AgentAudio::Ulaw8k, AgentAudio::Ulaw8k);
    let mut out = Vec::new();
    p.agent_audio(3, &[0x10; 800], &mut out);
    let clear = p.interrupt(3);
    assert!(clear.contains(r#""event":"clear""#));
    out.clear();
    p.agent_audio(3, &[0x10; 800], &mut out);
    assert!(out.is_empty(), "audio from before the interruption is dropped");
    p.agent_audio(4, &[0x10; 800], &mut out);
    assert_eq!(out.len(), 2);
}

#[test]
fn the_recording_puts_agent_playout_on_the_right() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut wav = StereoWav::create(&dir.path().join("r.wav"), 8_000).expect("wav");
    let taps = MediaTaps::default();
    taps.open(1);
    let mut listener = taps.subscribe(1).expect("tap");
    let mut p = Pipeline::new(Carrier::Exotel, Encoding::Pcm16, 8_000, "S".into());
    p.set_agent_formats(AgentAudio::Pcm(8_000), AgentAudio::Pcm(8_000));
    let mut out = Vec::new();
    let agent: Vec<u8> = std::iter::repeat_n(1000i16.to_le_bytes(), 100)
        .flatten()
        .collect();
    p.agent_audio(1, &agent, &mut out);
    let contact: Vec<u8> = std::iter::repeat_n(200i16.to_le_bytes(), 160).flatten().collect();
    assert_eq!(p.contact_frame(&b64(&contact)), Ok(160));
    p.record_and_tap(Some(&mut wav), &taps, 1).expect("record");
    assert_eq!(wav.frames(), 160);
    let frame = listener.try_recv().expect("a tap frame");
    assert_eq!(frame.len(), 160);
    assert_eq!(
        frame[150], 100,
        "past the agent's 100 samples only the contact is heard"
    );
}

fn mark_name(msg: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(msg).unwrap_or_default();
    v["mark"]["name"].as_str().unwrap_or("").to_owned()
}

#[test]
fn twilio_marks_say_which_agent_event_played_and_ulaw_goes_out_untouched() {
    let mut p = Pipeline::new(Carrier::Twilio, Encoding::Ulaw, 8_000, "MZ1".into());
    p.set_agent_formats(AgentAudio::Ulaw8k, AgentAudio::Ulaw8k);
    let mut out = Vec::new();
    // 0x7F and 0xFF both decode to silence: a decode/encode round trip would change the first.
    let speech: Vec<u8> = (0..800u32)
        .map(|i| if i % 2 == 0 { 0x7F } else { (i % 256) as u8 })
        .collect();
    p.agent_audio(1, &speech, &mut out);
    p.agent_audio(2, &speech[..400], &mut out);
    assert_eq!(payload_of(&out[0]), speech, "passthrough");
    let (m1, m2) = (mark_name(&out[1]), mark_name(&out[3]));
    assert_eq!(p.marks.echoed(&m1), MarkEcho::Played);
    assert_eq!(p.mark_played(&m1), Some((1, 100)));
    assert_eq!(p.mark_played(&m1), None, "reported once");
    p.interrupt(2);
    assert_eq!(p.mark_played(&m2), None, "a cleared mark played nothing");
}

#[test]
fn exotel_chunks_map_back_to_the_agent_events_they_carry() {
    let mut p = Pipeline::new(Carrier::Exotel, Encoding::Pcm16, 8_000, "S".into());
    p.set_agent_formats(AgentAudio::Ulaw8k, AgentAudio::Ulaw8k);
    let mut out = Vec::new();
    // 150 ms + 125 ms of speech (4400 bytes of PCM): one 4160-byte chunk (260 ms, the most in 320-byte
    // steps) ends 110 ms into the second event; the 240 bytes left go out padded.
    p.agent_audio(1, &[0x55; 1200], &mut out);
    p.agent_audio(2, &[0x55; 1000], &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(payload_of(&out[0]).len(), 4160);
    let first = mark_name(&out[1]);
    p.flush_tail(&mut out);
    let tail = mark_name(&out[3]);
    assert_eq!(p.mark_played(&first), Some((2, 110)));
    assert_eq!(
        p.mark_played(&tail),
        Some((2, 125)),
        "the padding belongs to no event"
    );
}
