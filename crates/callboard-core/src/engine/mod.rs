//! The campaign engine: who is called, when, and how fast. These modules hold its pure rules, each tested
//! on its own with explicit time: calling windows, pacing, retries by outcome, and the circuit breaker.

pub mod breaker;
pub mod pacing;
pub mod retry;
pub mod window;
