use proptest::prelude::*;

use super::*;

const CLIP_ULAW: &[u8] = include_bytes!("../../../../tests/fixtures/telephony/audio/clip_8k_mulaw.raw");
const CLIP_PCM: &[u8] = include_bytes!("../../../../tests/fixtures/telephony/audio/clip_8k_pcm16.raw");

fn clip_pcm() -> Vec<i16> {
    let mut v = Vec::new();
    assert!(le_bytes_to_pcm(CLIP_PCM, &mut v));
    v
}

#[test]
fn encoding_the_clip_is_bit_exact_with_the_fixture() {
    let mut out = Vec::new();
    pcm_to_ulaw(&clip_pcm(), &mut out);
    assert_eq!(out.len(), CLIP_ULAW.len());
    assert_eq!(out, CLIP_ULAW);
}

#[test]
fn decode_then_encode_is_stable_for_every_code() {
    for code in 0..=255u8 {
        let again = ulaw_encode(ulaw_decode(code));
        // 0x7F and 0xFF are both zero; every other code round-trips exactly.
        if code == 0x7F {
            assert_eq!(again, 0xFF);
        } else {
            assert_eq!(again, code, "code {code:#x}");
        }
    }
    assert_eq!(ulaw_decode(ULAW_SILENCE), 0);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(ulaw_decode(0x80), 32124);
}

fn sine(rate: u32, freq: f64, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| (10_000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
        .collect()
}

/// Root-mean-square error between a resampled sine and the ideal one (skipping the start-up sample).
fn rms_error(got: &[i16], rate: u32, freq: f64, delay: f64) -> f64 {
    let ideal = |i: usize| {
        10_000.0 * (2.0 * std::f64::consts::PI * freq * (i as f64 - delay) / f64::from(rate)).sin()
    };
    let n = got.len().saturating_sub(8);
    let sum: f64 = (8..n).map(|i| (f64::from(got[i]) - ideal(i)).powi(2)).sum();
    (sum / (n - 8) as f64).sqrt()
}

#[test]
fn upsampling_a_tone_stays_close_to_the_ideal_tone() {
    for to in [16_000, 24_000] {
        let mut r = Resampler::new(8_000, to);
        let mut out = Vec::new();
        for frame in sine(8_000, 300.0, 1600).chunks(160) {
            r.process(frame, &mut out);
        }
        assert_eq!(out.len(), 1600 * (to as usize / 8_000));
        // Less than one input sample of latency.
        let err = rms_error(&out, to, 300.0, f64::from(to / 8_000 - 1));
        assert!(err < 300.0, "rms error {err} at {to}");
    }
}

#[test]
fn downsampling_keeps_the_length_ratio() {
    let mut r = Resampler::new(24_000, 8_000);
    let mut out = Vec::new();
    for frame in sine(24_000, 300.0, 4800).chunks(480) {
        r.process(frame, &mut out);
    }
    assert_eq!(out.len(), 1600);
}

proptest! {
    #[test]
    fn a_round_trip_stays_within_one_quantisation_step(s in any::<i16>()) {
        let back = i32::from(ulaw_decode(ulaw_encode(s)));
        let err = (back - i32::from(s)).abs();
        prop_assert!(err <= (i32::from(s).abs() >> 4) + 16, "{s} -> {back}");
    }

    #[test]
    fn frame_size_does_not_change_the_output(
        signal in proptest::collection::vec(any::<i16>(), 1..2000),
        cuts in proptest::collection::vec(1usize..400, 1..20),
        pair in prop_oneof![Just((8_000u32, 16_000u32)), Just((8_000, 24_000)), Just((16_000, 8_000)),
                            Just((24_000, 8_000)), Just((16_000, 24_000)), Just((24_000, 16_000))],
    ) {
        let mut whole = Vec::new();
        Resampler::new(pair.0, pair.1).process(&signal, &mut whole);
        let mut r = Resampler::new(pair.0, pair.1);
        let mut pieces = Vec::new();
        let mut rest: &[i16] = &signal;
        let mut i = 0;
        while !rest.is_empty() {
            let n = cuts[i % cuts.len()].min(rest.len());
            r.process(&rest[..n], &mut pieces);
            rest = &rest[n..];
            i += 1;
        }
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn pcm_bytes_round_trip(signal in proptest::collection::vec(any::<i16>(), 0..500)) {
        let mut bytes = Vec::new();
        pcm_to_le_bytes(&signal, &mut bytes);
        let mut back = Vec::new();
        prop_assert!(le_bytes_to_pcm(&bytes, &mut back));
        prop_assert_eq!(back, signal);
    }
}
