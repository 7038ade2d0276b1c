#![no_main]
//! See `callboard_core::webhooks::fuzz::ip_allow_list`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| callboard_core::webhooks::fuzz::ip_allow_list(data));
