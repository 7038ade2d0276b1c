//! Callboard's product core, with no Tauri in it: the store, the command table, events, and the listeners.
//! The desktop shell and the `callboard` CLI are thin wrappers around this crate.

pub mod agent;
pub mod api;
pub mod app;
pub mod campaign;
pub mod clock;
pub mod demo;
pub mod demo_run;
pub mod desktop;
pub mod disclosure;
pub mod engine;
pub mod events;
pub mod export;
pub mod import;
pub mod latency;
pub mod launch;
pub mod listener;
pub mod live;
pub mod logging;
pub mod media;
pub mod media_tap;
pub mod openai;
pub mod paths;
pub mod phone;
pub mod providers;
pub mod runtime;
pub mod secret;
pub mod secret_store;
pub mod setup;
pub mod store;
pub mod validation;
pub mod webhooks;

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
