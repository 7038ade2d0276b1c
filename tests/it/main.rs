//! Black-box integration tests: the store on real files, the command table, and both listeners on real
//! ports. One test binary for the whole crate keeps link time down.

mod analytics;
mod api;
mod backup;
mod call_history;
mod carriers;
mod carriers_live;
mod desktop;
mod elevenlabs;
mod elevenlabs_flows;
mod elevenlabs_mock;
mod engine;
mod engine_rules;
mod engine_week;
mod import;
mod import_api;
mod import_files;
mod import_sheets;
mod keychain_real;
mod listeners;
mod live;
mod live_feeds;
mod media;
mod media_mock;
mod openai_sip;
mod phone;
mod provider_check;
mod realtime;
mod realtime_mock;
mod realtime_tools;
mod setup;
mod sim_endings;
mod store;
mod talk;
mod webhooks;
