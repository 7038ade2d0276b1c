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
    let _log_guard = crate::logging::init(&data_dir);
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
    // A closed stdout (a test or a launcher that stopped reading) must not stop the server: `println!`
    // would panic on the broken pipe, so the banner ignores write errors.
    let banner = format!(
        "Callboard {}{mode}\n  UI:      {ui_url}\n  Public:  {public_url}\n  Data:    {}\n\
         Open the UI address in a browser. Press Ctrl+C to stop.\n",
        callboard_core::VERSION,
        data_dir.display()
    );
    let mut out = std::io::stdout().lock();
    let _ =
        std::io::Write::write_all(&mut out, banner.as_bytes()).and_then(|()| std::io::Write::flush(&mut out));
    drop(out);

    shutdown_signal().await;
    tracing::info!("stopping");
    launched.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
