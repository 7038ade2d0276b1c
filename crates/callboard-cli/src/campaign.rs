//! `callboard campaign …`: scripting and headless operation through the same command table as the UI.
//! When an instance runs on the data dir (its `runtime.json` is there and answers), commands go through
//! its UI listener so the running engine sees them at once; otherwise they act on the store directly.

use std::{path::Path, process::ExitCode, sync::Arc};

use callboard_core::{
    api::{self, Actor, ApiError, ErrorCode, RpcRequest},
    app::{App, AppOptions},
    runtime::{RUNTIME_FILE, RuntimeFile},
};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::DataDirArg;

#[derive(Debug, Args)]
pub struct CampaignArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Every campaign, newest first.
    List,
    /// Create a draft campaign.
    Create {
        name: String,
        /// sim, elevenlabs, elevenlabs-batch, twilio or exotel.
        #[arg(long)]
        provider: Option<String>,
        /// Agent id (see the Agents list).
        #[arg(long)]
        agent: Option<i64>,
        /// Caller id or provider phone-number id.
        #[arg(long)]
        from: Option<String>,
        /// Calling-hour preset: kw, in, us or always.
        #[arg(long)]
        hours: Option<String>,
        #[arg(long)]
        max_concurrent: Option<u32>,
        /// Copy the contact list of another campaign (by name).
        #[arg(long)]
        contacts_from: Option<String>,
    },
    Start {
        name: String,
    },
    Pause {
        name: String,
    },
    Resume {
        name: String,
    },
    Cancel {
        name: String,
    },
    /// One campaign's settings and progress.
    Status {
        name: String,
    },
}

/// Where commands go.
enum Target {
    Running {
        rpc_url: String,
        token: String,
        http: reqwest::Client,
    },
    Direct(Arc<App>),
}

impl Target {
    async fn call(&self, cmd: &str, args: Value) -> Result<Value, ApiError> {
        match self {
            Target::Direct(app) => {
                api::dispatch(
                    app,
                    Actor::Cli,
                    RpcRequest {
                        cmd: cmd.into(),
                        args,
                    },
                )
                .await
            }
            Target::Running { rpc_url, token, http } => {
                let resp = http
                    .post(rpc_url)
                    .bearer_auth(token)
                    .json(&json!({ "cmd": cmd, "args": args }))
                    .send()
                    .await
                    .map_err(|e| {
                        ApiError::new(
                            ErrorCode::Internal,
                            format!("the running instance did not answer: {e}"),
                        )
                    })?;
                let ok = resp.status().is_success();
                let body: Value = resp
                    .json()
                    .await
                    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("unreadable answer: {e}")))?;
                if ok {
                    Ok(body)
                } else {
                    Err(serde_json::from_value(body.clone())
                        .unwrap_or_else(|_| ApiError::new(ErrorCode::Internal, body.to_string())))
                }
            }
        }
    }
}

/// Finds a running instance through its runtime file; a file whose instance does not answer is stale.
async fn connect(data_dir: &Path) -> Result<Target, String> {
    if let Ok(info) = RuntimeFile::read(data_dir) {
        let http = reqwest::Client::new();
        let health = http.get(format!("{}healthz", info.ui_url)).send().await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return Ok(Target::Running {
                rpc_url: format!("{}api/rpc", info.ui_url),
                token: info.token,
                http,
            });
        }
        tracing::info!(
            file = RUNTIME_FILE,
            "no instance answers; acting on the database directly"
        );
    }
    let options = AppOptions {
        data_dir: data_dir.to_owned(),
        demo: false,
        public_base_url: None,
    };
    let app = tokio::task::spawn_blocking(move || App::open(options))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(Target::Direct(app))
}

pub fn run(args: CampaignArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json_output = args.json;
    match runtime.block_on(execute(args)) {
        Ok(value) => {
            print_value(&value, json_output);
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json_output {
                println!("{}", json!({ "code": e.code, "message": e.message }));
            } else {
                eprintln!("error: {}", e.message);
            }
            ExitCode::FAILURE
        }
    }
}

async fn execute(args: CampaignArgs) -> Result<Value, ApiError> {
    let data_dir = args.data_dir.resolve();
    let target = connect(&data_dir)
        .await
        .map_err(|m| ApiError::new(ErrorCode::Internal, m))?;
    let by_name = async |name: &str| -> Result<Value, ApiError> {
        let list = target.call("campaign.list", json!({})).await?;
        list.as_array()
            .and_then(|l| {
                l.iter()
                    .find(|c| c["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            })
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no campaign named '{name}'")))
    };
    match args.action {
        Action::List => target.call("campaign.list", json!({})).await,
        Action::Status { name } => by_name(&name).await,
        Action::Start { name } => {
            target
                .call("campaign.start", json!({ "id": by_name(&name).await?["id"] }))
                .await
        }
        Action::Pause { name } => {
            target
                .call("campaign.pause", json!({ "id": by_name(&name).await?["id"] }))
                .await
        }
        Action::Resume { name } => {
            target
                .call("campaign.resume", json!({ "id": by_name(&name).await?["id"] }))
                .await
        }
        Action::Cancel { name } => {
            target
                .call("campaign.cancel", json!({ "id": by_name(&name).await?["id"] }))
                .await
        }
        Action::Create {
            name,
            provider,
            agent,
            from,
            hours,
            max_concurrent,
            contacts_from,
        } => {
            let source = match &contacts_from {
                Some(src) => Some(by_name(src).await?["id"].clone()),
                None => None,
            };
            let mut input = json!({ "name": name });
            for (key, value) in [
                ("provider", provider.map(Value::from)),
                ("agent_id", agent.map(Value::from)),
                ("from_number", from.map(Value::from)),
                ("hours_preset", hours.map(Value::from)),
                ("max_concurrent", max_concurrent.map(Value::from)),
            ] {
                if let Some(v) = value {
                    input[key] = v;
                }
            }
            let created = target.call("campaign.create", input).await?;
            match source {
                Some(from) => {
                    let copied = target
                        .call(
                            "campaign.copy_contacts",
                            json!({ "id": created["id"], "from": from }),
                        )
                        .await?;
                    Ok(copied["campaign"].clone())
                }
                None => Ok(created),
            }
        }
    }
}

fn print_value(value: &Value, json_output: bool) {
    if json_output {
        println!("{value}");
        return;
    }
    let campaigns: Vec<&Value> = match value.as_array() {
        Some(list) => list.iter().collect(),
        None => vec![value],
    };
    if campaigns.is_empty() {
        println!("no campaigns");
    }
    for c in campaigns {
        println!(
            "{:<36} {:<10} {:<16} contacts {:>6}  done {:>6}",
            c["name"].as_str().unwrap_or(""),
            c["status"].as_str().unwrap_or(""),
            c["provider"].as_str().unwrap_or(""),
            c["contacts"].as_i64().unwrap_or(0),
            c["completed"].as_i64().unwrap_or(0),
        );
    }
}
