//! The campaign engine: who is called, when, and how fast. The pure rules (calling windows, pacing,
//! retries, circuit breaker) are tested on their own with explicit time; `run` is the dialing loop over the
//! store, `outcome` ends calls and schedules retries, `dialer` is the seam to the providers.

pub mod breaker;
pub mod callback;
pub mod claim;
pub mod dialer;
pub mod outcome;
pub mod pacing;
pub mod retry;
pub mod run;
pub mod schedule;
pub mod settings;
pub mod why;
pub mod window;

pub use dialer::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled};
pub use run::{Engine, StepReport};
