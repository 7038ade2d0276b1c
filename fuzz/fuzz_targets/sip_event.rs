#![no_main]
//! See `callboard_core::webhooks::fuzz::sip_event`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| callboard_core::webhooks::fuzz::sip_event(data));
