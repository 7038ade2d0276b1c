//! The desktop binary; everything is in the library so it stays testable.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Some(answer) = callboard_core::desktop::options::version_answer(std::env::args().skip(1)) {
        callboard_core::launch::print_banner(&answer);
        return;
    }
    callboard_desktop::run();
}
