//! What the desktop shell shows outside its window, decided here so it is testable without a display:
//! which "needs attention" items become native notifications (and how a burst is coalesced), the tray's
//! status text, the loops that follow the event bus for both, the launch options read from the environment,
//! and where a download from the window is saved. The shell (src-tauri) only renders and carries out what
//! these modules hand it.

pub mod downloads;
pub mod follow;
pub mod notify;
pub mod options;
pub mod tray;
