//! The campaign engine: who is called, when, and how fast. This first part holds the pure rules
//! (calling windows); the dialing loop builds on them.

pub mod window;
