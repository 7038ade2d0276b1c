#![no_main]
//! See `callboard_core::webhooks::fuzz::media_frames`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| callboard_core::webhooks::fuzz::media_frames(data));
