#![no_main]
//! See `callboard_core::webhooks::fuzz::openai_signature`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| callboard_core::webhooks::fuzz::openai_signature(data));
