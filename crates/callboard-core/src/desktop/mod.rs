//! What the desktop shell shows outside its window, decided here so it is testable without a display:
//! which "needs attention" items become native notifications (and how a burst is coalesced), and the tray's
//! status text, the loops that follow the event bus for both, and the launch options read from the environment. The shell (src-tauri) only renders what these
//! modules hand it.

pub mod follow;
pub mod notify;
pub mod options;
pub mod tray;
