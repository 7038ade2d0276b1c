//! What the desktop shell shows outside its window, decided here so it is testable without a display:
//! which "needs attention" items become native notifications (and how a burst is coalesced), and the tray's
//! status text. The shell (src-tauri) only renders what these modules return.

pub mod notify;
pub mod tray;
