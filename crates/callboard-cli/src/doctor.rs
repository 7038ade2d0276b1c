//! `callboard doctor`: versions, the data dir, whether the database opens and its migrations are current,
//! where the UI files are, where secrets are kept, and whether an instance is running on this data dir. Exits non-zero on a problem.

use std::{path::Path, process::ExitCode};

use callboard_core::{
    app::DATABASE_FILE,
    paths,
    runtime::RuntimeFile,
    store::{Store, latest_version},
};

pub fn run(data_dir: &Path) -> ExitCode {
    let mut ok = true;
    println!("callboard {}", callboard_core::VERSION);
    println!("data dir:   {}", data_dir.display());
    let db = data_dir.join(DATABASE_FILE);
    if !db.exists() {
        println!(
            "database:   none yet at {} (created on first start)",
            db.display()
        );
    } else {
        match Store::inspect(&db) {
            Ok(s) if s.applied == s.latest => {
                println!("database:   ok, schema version {} (current)", s.applied)
            }
            Ok(s) if s.applied < s.latest => {
                println!(
                    "database:   ok, schema version {} (migrates to {} on next start)",
                    s.applied, s.latest
                )
            }
            Ok(s) => {
                ok = false;
                println!(
                    "database:   PROBLEM: schema version {} is newer than this build ({}); use a newer Callboard",
                    s.applied,
                    latest_version()
                );
            }
            Err(e) => {
                ok = false;
                println!("database:   PROBLEM: {e}");
            }
        }
    }
    match paths::default_ui_dir() {
        Some(dir) => println!("ui files:   {}", dir.display()),
        None => println!("ui files:   not found (build them with `npm --prefix ui run build`)"),
    }
    // Where secrets would be kept; the file fallback is labelled as less secure (design: never silently).
    match callboard_core::secret_store::open_default(data_dir) {
        (_, None) => println!("secrets:    the OS keychain"),
        (_, Some(warning)) => println!("secrets:    LESS SECURE: {warning}"),
    }
    match RuntimeFile::read(data_dir) {
        Ok(info) => println!("running:    pid {} serving {}", info.pid, info.ui_url),
        Err(_) => println!("running:    no instance on this data dir"),
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
