//! The desktop binary; everything is in the library so it stays testable.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `--version` answers without opening a window (installers and packagers check it).
    if std::env::args().skip(1).any(|a| a == "--version" || a == "-V") {
        println!("callboard-desktop {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    callboard_desktop::run();
}
