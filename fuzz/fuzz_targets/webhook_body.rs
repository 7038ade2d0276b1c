#![no_main]
//! See `callboard_core::webhooks::fuzz::webhook_body`: the first byte picks provider, route and content type.

use std::sync::LazyLock;

static DATA_DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary data dir"));

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    callboard_core::webhooks::fuzz::webhook_body(data, DATA_DIR.path())
});
