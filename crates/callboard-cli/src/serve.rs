//! `callboard serve`: open the data dir, start both listeners, print their URLs, run until Ctrl+C/SIGTERM.

use std::process::ExitCode;

use callboard_core::{
    app::AppOptions,
    launch::{LaunchOptions, launch},
};

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> ExitCode {
    let data_dir = args.data_dir.resolve();
    if let Err(e) = std::fs::create_dir_all(&data_dir) {
        eprintln!("error: cannot create the data dir {}: {e}", data_dir.display());
        return ExitCode::FAILURE;
    }
    let _log_guard = callboard_core::logging::init(&data_dir, "callboard");
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args, data_dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs, data_dir: std::path::PathBuf) -> Result<(), String> {
    // Listening before anything starts: a stop asked for during start-up waits for it, then stops cleanly.
    let stop = shutdown_signal();
    let launched = launch(LaunchOptions {
        app: AppOptions {
            data_dir: data_dir.clone(),
            demo: args.demo,
            public_base_url: args.public_url,
        },
        overrides: args.secrets.overrides(),
        secret_store: None,
        ui_addr: args.ui_addr,
        public_addr: args.public_addr,
        fallback_to_any_port: false,
        ports_from_settings: false,
        ui_dir: args.ui_dir,
        sim_speed: args.sim_speed,
    })
    .await?;
    let (ui_url, public_url) = launched.urls();
    let mode = if launched.app.info().demo {
        " (demo mode)"
    } else {
        ""
    };
    let banner = format!(
        "Callboard {}{mode}\n  UI:      {ui_url}\n  Public:  {public_url}\n  Data:    {}\n\
         Open the UI address in a browser. Press Ctrl+C to stop.\n",
        callboard_core::VERSION,
        data_dir.display()
    );
    callboard_core::launch::print_banner(&banner);

    stop.await;
    tracing::info!("stopping");
    launched.stop().await;
    Ok(())
}

/// Registers Ctrl+C and SIGTERM now and returns the future that resolves on the first of them. Registered
/// before the banner: a script that reads the banner and stops serve at once must get the clean stop (journaled
/// webhooks applied), not the default action of a signal that arrived before anyone listened for it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (term, int) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()));
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
                }
                (term, int) => {
                    let e = term
                        .err()
                        .or(int.err())
                        .map(|e| e.to_string())
                        .unwrap_or_default();
                    tracing::error!(error = %e, "cannot listen for stop signals; only Ctrl+C stops serve");
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
    }
}
