//! What the simulated-week test (`tests/it/engine_week.rs`) and `callboard bench engine` share: the 24 time
//! zones the contacts cycle through, and a dialer that accepts every call at once and leaves it to the
//! driver to end each call when its simulated time is up.

use std::sync::Mutex;

use callboard_core::engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled};
use futures_util::future::BoxFuture;

/// The week's zones: Asia/Kuwait and Asia/Kolkata among them, and zones whose clocks change in the last week
/// of March / first week of April 2026 (Europe on 29 March; Australia, Lord Howe and New Zealand on 5 April;
/// Santiago on 5 April).
pub const WEEK_ZONES: [&str; 24] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Sao_Paulo",
    "America/Santiago",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Istanbul",
    "Africa/Cairo",
    "Africa/Lagos",
    "Asia/Kuwait",
    "Asia/Riyadh",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
];

/// Accepts every call at once and keeps the request; the driver takes what was placed after each step and
/// decides when and how each call ends. Hang-ups succeed; reconciliation finds nothing (the driver, not the
/// provider, knows the calls), unlike [`crate::FakeDialer`], which answers from what it accepted.
#[derive(Debug, Default)]
pub struct InstantDialer {
    placed: Mutex<Vec<DialRequest>>,
}

impl InstantDialer {
    /// The provider's id for a call this dialer accepted.
    pub fn provider_call_id(call_id: i64) -> String {
        format!("instant-{call_id}")
    }

    /// The calls placed since the last time this was asked, in dialing order.
    pub fn take_placed(&self) -> Vec<DialRequest> {
        std::mem::take(&mut *self.placed.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Dialer for InstantDialer {
    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let provider_call_id = Self::provider_call_id(request.call_id);
        self.placed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request);
        Box::pin(async move { Ok(Dialed { provider_call_id }) })
    }
    fn hang_up(&self, _call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        Box::pin(async { Ok(()) })
    }
    fn reconcile(&self, _call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        Box::pin(async { Ok(Reconciled::NotFound) })
    }
}
