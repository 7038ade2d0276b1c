//! `callboard import` through a running instance: when `runtime.json` in the data dir names a UI listener
//! that answers, the import is started there (`import.commit` with the file's absolute path), followed
//! with `import.status` until it finishes, and the errors file is fetched from
//! `GET /api/imports/{id}/errors.csv`. The running app's writer stays the only writer of the database.

use std::{path::Path, time::Duration};

use callboard_core::{import::Summary, runtime::RuntimeFile};
use serde_json::{Value, json};

use super::{Failure, ImportArgs, Outcome};

/// How often the import's status is asked while it runs.
const POLL_EVERY: Duration = Duration::from_millis(200);

pub(crate) struct Instance {
    base: String,
    token: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

/// The instance running on `data_dir`, if its runtime file names one that answers.
pub(crate) fn running_instance(data_dir: &Path) -> Option<Instance> {
    let info = RuntimeFile::read(data_dir).ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .ok()?;
    let base = info.ui_url.trim_end_matches('/').to_owned();
    let healthy = runtime.block_on(async {
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    });
    if !healthy {
        tracing::info!("runtime.json names no instance that answers; importing into the database directly");
        return None;
    }
    Some(Instance {
        base,
        token: info.token,
        http,
        runtime,
    })
}

impl Instance {
    async fn rpc(&self, cmd: &str, args: Value) -> Result<Value, Failure> {
        let resp = self
            .http
            .post(format!("{}/api/rpc", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "cmd": cmd, "args": args }))
            .send()
            .await
            .map_err(|e| Failure::new("INSTANCE", format!("the running instance did not answer: {e}")))?;
        let ok = resp.status().is_success();
        let body: Value = resp.json().await.map_err(|e| {
            Failure::new(
                "INSTANCE",
                format!("unreadable answer from the running instance: {e}"),
            )
        })?;
        if ok {
            Ok(body)
        } else {
            Err(Failure::new(
                body["code"].as_str().unwrap_or("internal"),
                body["message"]
                    .as_str()
                    .unwrap_or("the running instance refused the request"),
            ))
        }
    }

    async fn errors_csv(&self, import_id: u64, to: &Path) -> Result<(), Failure> {
        let resp = self
            .http
            .get(format!("{}/api/imports/{import_id}/errors.csv", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| Failure::new("ERRORS_FILE", format!("cannot fetch the errors file: {e}")))?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Failure::new("ERRORS_FILE", format!("cannot fetch the errors file: {e}")))?;
        std::fs::write(to, &bytes)
            .map_err(|e| Failure::new("ERRORS_FILE", format!("{}: cannot write: {e}", to.display())))
    }
}

pub(crate) fn import(instance: &Instance, args: &ImportArgs) -> Result<Outcome, Failure> {
    instance.runtime.block_on(run(instance, args))
}

async fn run(instance: &Instance, args: &ImportArgs) -> Result<Outcome, Failure> {
    // What the instance reads: a path that does not depend on our working directory, or the sheet it
    // fetched into an upload.
    let source = match (&args.file, &args.google_sheet) {
        (Some(f), _) => {
            let file = std::path::absolute(f)
                .map_err(|e| Failure::new("FILE_OPEN", format!("{}: {e}", f.display())))?;
            json!({ "path": file })
        }
        (None, Some(link)) => {
            let mut fetch = json!({ "sheet": link });
            if let Some(r) = &args.range {
                fetch["range"] = json!(r);
            }
            let fetched = instance.rpc("import.fetch_sheet", fetch).await?;
            json!({ "upload_id": fetched["upload_id"] })
        }
        (None, None) => return Err(Failure::new("BAD_REQUEST", "give a file or --google-sheet")),
    };
    let list = instance.rpc("campaign.list", json!({})).await?;
    let found = list.as_array().and_then(|l| {
        l.iter()
            .find(|c| {
                c["name"]
                    .as_str()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(args.campaign.trim()))
            })
            .cloned()
    });
    let (campaign, created) = match found {
        Some(c) => (c, false),
        None => (
            instance
                .rpc("campaign.create", json!({ "name": args.campaign.trim() }))
                .await?,
            true,
        ),
    };
    let campaign_id = campaign["id"]
        .as_i64()
        .ok_or_else(|| Failure::new("INSTANCE", "the campaign has no id"))?;
    let mut commit = source;
    commit["campaign_id"] = json!(campaign_id);
    commit["region"] = json!(args.region);
    if let Some(r) = &args.allow_regions {
        commit["allowed_regions"] = json!(r);
    }
    if let Some(s) = &args.sheet {
        commit["sheet"] = json!(s);
    }
    let started = instance.rpc("import.commit", commit).await?;
    let import_id = started["import_id"]
        .as_u64()
        .ok_or_else(|| Failure::new("INSTANCE", "no import id"))?;
    let summary = loop {
        let status = instance
            .rpc("import.status", json!({ "import_id": import_id }))
            .await?;
        match status["state"].as_str() {
            Some("running") => tokio::time::sleep(POLL_EVERY).await,
            Some("done") => {
                break serde_json::from_value::<Summary>(status["summary"].clone())
                    .map_err(|e| Failure::new("INSTANCE", format!("unreadable summary: {e}")))?;
            }
            _ => {
                return Err(Failure::new(
                    status["code"].as_str().unwrap_or("FAILED"),
                    status["message"].as_str().unwrap_or("the import failed"),
                ));
            }
        }
    };
    if let Some(to) = &args.errors {
        instance.errors_csv(import_id, to).await?;
    }
    Ok(Outcome {
        summary,
        campaign_name: campaign["name"].as_str().unwrap_or(&args.campaign).to_owned(),
        campaign_id,
        created,
        via: "serve",
    })
}
