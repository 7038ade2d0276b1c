#![no_main]
//! See `callboard_core::webhooks::fuzz::exotel_callback`: the first byte picks the route, the first line is the
//! content type.

use std::sync::LazyLock;

static DATA_DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary data dir"));

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    callboard_core::webhooks::fuzz::exotel_callback(data, DATA_DIR.path())
});
