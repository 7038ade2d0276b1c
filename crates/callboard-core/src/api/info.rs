//! `health` and `app.info`.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, NoArgs};
use crate::app::App;

pub use crate::app::AppInfo;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

pub async fn health(_app: &App, _actor: Actor, _args: NoArgs) -> Result<Health, ApiError> {
    Ok(Health {
        status: "ok".into(),
        version: crate::VERSION.into(),
    })
}

pub async fn app_info(app: &App, _actor: Actor, _args: NoArgs) -> Result<AppInfo, ApiError> {
    Ok(app.info())
}
