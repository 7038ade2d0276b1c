//! The two HTTP listeners. The public one (behind the tunnel) receives provider webhooks and media streams;
//! the UI one (loopback only, per-launch token) serves the UI and its API. They are separate routers on
//! separate sockets so the UI API can never be reached through the tunnel.

pub mod public;
mod serve;
pub mod ui;
pub mod ui_files;

use std::{io, net::SocketAddr, path::PathBuf, sync::Arc};

use axum::{Json, http::StatusCode, response::IntoResponse};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

pub use serve::{HEADER_READ_TIMEOUT, serve};

use crate::{
    api::{ApiError, ErrorCode},
    app::App,
};

/// Both listeners, running.
#[derive(Debug)]
pub struct Running {
    pub ui_addr: SocketAddr,
    pub public_addr: SocketAddr,
    pub shutdown: CancellationToken,
    tasks: Vec<JoinHandle<io::Result<()>>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits for both listeners.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            match t.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "listener stopped with an error"),
                Err(e) => tracing::error!(error = %e, "listener task failed"),
            }
        }
    }
}

/// Starts both listeners on already-bound sockets (tests bind `127.0.0.1:0` first, so there is no race),
/// and records their addresses in the app info.
pub fn start(
    app: Arc<App>,
    ui: TcpListener,
    public: TcpListener,
    ui_dir: Option<PathBuf>,
) -> io::Result<Running> {
    let ui_addr = ui.local_addr()?;
    let public_addr = public.local_addr()?;
    app.set_listeners(ui_addr, public_addr);
    // Applies journaled webhooks, starting with whatever a previous run left unapplied.
    crate::webhooks::apply::start(&app);
    let shutdown = CancellationToken::new();
    let tasks = vec![
        tokio::spawn(serve(ui, ui::router(app.clone(), ui_dir), shutdown.clone())),
        tokio::spawn(serve(public, public::router(app), shutdown.clone())),
    ];
    tracing::info!(%ui_addr, %public_addr, "listeners started");
    Ok(Running {
        ui_addr,
        public_addr,
        shutdown,
        tasks,
    })
}

/// How long an address in use is retried before another port is taken: a restarting app (after a restore)
/// starts while the old process is still letting go of its ports, and a moved public port would break the
/// tunnel and every provider's callback URL.
const IN_USE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

/// Binds `addr`; with `fallback_to_any_port`, an address still in use after [`IN_USE_PATIENCE`] falls back to
/// an ephemeral port on the same interface (the desktop app must start even when a second copy holds the
/// default port).
pub async fn bind(addr: SocketAddr, fallback_to_any_port: bool) -> io::Result<TcpListener> {
    let give_up = tokio::time::Instant::now() + IN_USE_PATIENCE;
    loop {
        match TcpListener::bind(addr).await {
            Err(e) if fallback_to_any_port && e.kind() == io::ErrorKind::AddrInUse => {
                if tokio::time::Instant::now() < give_up {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
                tracing::warn!(%addr, "address in use; using another port");
                return TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await;
            }
            other => return other,
        }
    }
}

/// `{code, message}` with the status that goes with the code.
pub(crate) fn error_response(e: ApiError) -> axum::response::Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

pub(crate) fn not_found(what: &str) -> axum::response::Response {
    error_response(ApiError::new(
        ErrorCode::NotFound,
        format!("no such path: {what}"),
    ))
}
