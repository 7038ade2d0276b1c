//! The seam between the engine and whoever places calls (ElevenLabs, Twilio, Exotel, the simulator, a test
//! fake). The engine commits the intent to dial (a call row with a `dial_key`) before calling `dial`, so a
//! dialer must treat the key as an idempotency key where the provider allows it, and `reconcile` must be able
//! to answer for a key whose `dial` outcome was never recorded.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::retry::Outcome;

/// One call to place.
#[derive(Debug, Clone, PartialEq)]
pub struct DialRequest {
    pub dial_key: String,
    pub call_id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub phone_e164: String,
    pub from_number: String,
    pub agent_id: Option<i64>,
    /// The contact's dynamic variables (extra import columns) for the agent.
    pub variables: Value,
}

/// The provider accepted the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialed {
    pub provider_call_id: String,
}

/// What the provider says about a call the engine lost track of.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciled {
    /// The provider never received it: the attempt did not happen.
    NotFound,
    /// Still going.
    InProgress { provider_call_id: String },
    /// Over, with this outcome.
    Ended {
        provider_call_id: String,
        outcome: Outcome,
    },
}

/// A call the engine asks about or hangs up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRef {
    pub call_id: i64,
    pub dial_key: String,
    pub provider_call_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    /// The provider refused this call (bad number, no balance, …); the attempt counts as failed.
    #[error("the provider refused the call: {0}")]
    Rejected(String),
    /// The provider could not be reached; the attempt's fate is unknown and must be reconciled.
    #[error("the provider could not be reached: {0}")]
    Unavailable(String),
    /// This provider cannot do that (e.g. whisper on plain Twilio); the UI disables the button.
    #[error("{0}")]
    Unsupported(String),
}

/// What a provider can do to a call in flight; the UI disables the buttons for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    pub hang_up: bool,
    pub whisper: bool,
    pub transfer: bool,
}

/// Places and controls calls for one provider.
pub trait Dialer: Send + Sync + 'static {
    /// Which of hang-up, whisper and transfer this provider supports (a dialer that overrides `whisper` or
    /// `transfer` says so here).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hang_up: true,
            whisper: false,
            transfer: false,
        }
    }

    fn dial(&self, request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>>;
    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>>;
    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>>;

    /// Sends guidance text to the AI agent mid-call (e.g. an ElevenLabs contextual update).
    fn whisper(&self, _call: CallRef, _text: String) -> BoxFuture<'static, Result<(), DialError>> {
        Box::pin(async {
            Err(DialError::Unsupported(
                "this provider cannot whisper to the agent".into(),
            ))
        })
    }

    /// Hands the call to a human at `to_number` (E.164).
    fn transfer(&self, _call: CallRef, _to_number: String) -> BoxFuture<'static, Result<(), DialError>> {
        Box::pin(async {
            Err(DialError::Unsupported(
                "this provider cannot transfer calls".into(),
            ))
        })
    }
}
