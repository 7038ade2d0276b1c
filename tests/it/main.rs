//! Black-box integration tests: the store on real files, the command table, and both listeners on real
//! ports. One test binary for the whole crate keeps link time down.

mod api;
mod carriers;
mod engine;
mod import;
mod import_api;
mod listeners;
mod media;
mod media_mock;
mod phone;
mod store;
mod webhooks;
