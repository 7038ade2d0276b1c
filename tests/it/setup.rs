//! Setup through the real listeners: the reachability self-test (passes against our listener, fails for a
//! wrong URL, another instance and a stopped listener), settings and secrets over RPC (field errors, audit,
//! never a value back), and the tunnel supervisor with a fake `cloudflared`.

use std::{collections::HashMap, sync::Arc};

use callboard_core::{
    app::{App, AppOptions},
    events::Event,
    listener,
    secret_store::{Credentials, EnvOverrides, MemoryStore},
    setup::selftest,
    store::Store,
};
use callboard_testkit::{ManualClock, TestApp};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// An app without a public-URL override (so Settings and the tunnel decide), with both listeners up.
async fn bare_app(
    dir: &std::path::Path,
) -> Result<(Arc<App>, listener::Running), Box<dyn std::error::Error>> {
    let store = Store::open(&dir.join(callboard_core::app::DATABASE_FILE))?;
    let app = App::new(
        store,
        Arc::new(ManualClock::new(ManualClock::default_start())),
        AppOptions {
            data_dir: dir.to_owned(),
            demo: false,
            public_base_url: None,
        },
    );
    let ui = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = listener::start(app.clone(), ui, public, None)?;
    Ok((app, running))
}

#[tokio::test]
async fn self_test_passes_through_our_listener_and_fails_for_wrong_or_stopped_ones() -> TestResult {
    let a = TestApp::new()?.serve().await?;
    let b = TestApp::new()?.serve().await?;
    let key = a.test.app.setup.selftest_key().clone();
    let http = reqwest::Client::new();

    let (ok, latency, message) = selftest::check(&http, &key, &a.public_base()).await;
    assert!(ok, "{message}");
    assert!(latency.is_some());

    // Another Callboard answers, but cannot produce our proof.
    let (ok, _, message) = selftest::check(&http, &key, &b.public_base()).await;
    assert!(!ok);
    assert!(message.contains("another Callboard"), "{message}");

    // Our UI listener is not the public listener: its healthz gives no proof.
    let (ok, _, message) = selftest::check(&http, &key, &a.ui_base()).await;
    assert!(!ok, "{message}");

    // A path that is not ours answers 404.
    let (ok, _, message) = selftest::check(&http, &key, &format!("{}/nope", a.public_base())).await;
    assert!(!ok && message.contains("404"), "{message}");

    let stopped = a.public_base();
    a.stop().await;
    let (ok, latency, message) = selftest::check(&http, &key, &stopped).await;
    assert!(!ok && latency.is_none(), "{message}");
    assert!(message.contains("not reachable"), "{message}");
    b.stop().await;
    Ok(())
}

#[tokio::test]
async fn settings_url_change_runs_the_self_test_and_a_failure_alerts() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (app, running) = bare_app(dir.path()).await?;
    let mut events = app.events.subscribe();
    let public = format!("http://{}", running.public_addr);
    let ctx = callboard_core::api::Actor::Ui;
    let rpc = |cmd: &str, args: Value| {
        callboard_core::api::dispatch(
            &app,
            ctx,
            callboard_core::api::RpcRequest {
                cmd: cmd.into(),
                args,
            },
        )
    };

    // No URL yet: the self-test says so plainly.
    let r = rpc("setup.selftest", json!({})).await?;
    assert_eq!(r["ok"], false);
    assert!(
        r["message"]
            .as_str()
            .unwrap_or_default()
            .contains("No public URL")
    );

    rpc("settings.update", json!({ "public_base_url": public })).await?;
    assert_eq!(app.info().public_base_url.as_deref(), Some(public.as_str()));
    let r = rpc("setup.selftest", json!({})).await?;
    assert_eq!(r["ok"], true, "{r}");
    let status = rpc("setup.status", json!({})).await?;
    assert_eq!(status["public_url_source"], "settings");
    assert_eq!(status["selftest"]["ok"], true);

    // A URL that leads nowhere: the test fails and an Alert goes out.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}", l.local_addr()?)
    };
    rpc("settings.update", json!({ "public_base_url": dead })).await?;
    let r = rpc("setup.selftest", json!({})).await?;
    assert_eq!(r["ok"], false);
    let alert = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(batch) = events.next_batch().await {
            for e in batch {
                if let Event::Alert { kind, message, .. } = e
                    && kind == "reachability"
                {
                    return Some(message);
                }
            }
        }
        None
    })
    .await?;
    assert!(alert.is_some_and(|m| m.contains(&dead)));
    running.stop().await;
    Ok(())
}

#[tokio::test]
async fn settings_update_validates_per_field_and_is_audited() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let got = s.rpc("settings.get", json!({})).await?;
    assert_eq!(got.body["default_region"], "KW");

    let bad = s
        .rpc(
            "settings.update",
            json!({ "time_zone": "Mars/Olympus", "backup": { "keep": 0 } }),
        )
        .await?;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.code(), "validation");
    let fields: Vec<&str> = bad.body["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["time_zone", "backup.keep"]);
    // Nothing was stored.
    assert_eq!(
        s.rpc("settings.get", json!({})).await?.body["time_zone"],
        "Asia/Kuwait"
    );

    let ok = s
        .rpc(
            "settings.update",
            json!({ "default_region": "in", "theme": "dark", "recording_retention_days": 30 }),
        )
        .await?;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["default_region"], "IN");
    let again = s.rpc("settings.get", json!({})).await?;
    assert_eq!(again.body["theme"], "dark");
    assert_eq!(again.body["recording_retention_days"], 30);
    let audits = s
        .test
        .app
        .store
        .read(|c| callboard_core::store::audit::count(c, "settings.update"))
        .await?;
    assert_eq!(audits, 1);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn secrets_are_write_only_env_wins_and_webhook_secrets_apply_at_once() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let env: HashMap<&str, &str> = [("CALLBOARD_OPENAI_API_KEY", "sk-from-env")].into();
    s.test.app.set_credentials(Credentials::new(
        MemoryStore::new(),
        EnvOverrides::from_lookup(|k| env.get(k).map(|v| v.to_string())),
        None,
    ));
    let value = "tw-token-7f3a9c-SECRET";
    let set = s
        .rpc(
            "secret.set",
            json!({ "name": "twilio.auth_token", "value": value }),
        )
        .await?;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["set"], true);
    assert_eq!(set.body["source"], "memory");
    assert_eq!(
        s.test
            .app
            .webhooks
            .secrets()
            .twilio_auth_token
            .map(|t| t.expose().to_owned())
            .as_deref(),
        Some(value),
        "the webhook check uses the new token at once"
    );
    let status = s.rpc("secret.status", json!({})).await?;
    let text = status.body.to_string();
    assert!(
        !text.contains(value) && !text.contains("sk-from-env"),
        "values never go back out"
    );
    let openai = status.body["secrets"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "openai.api_key").cloned())
        .unwrap_or_default();
    assert_eq!(openai["source"], "env");

    // A number instead of a string is refused without quoting it.
    let bad = s
        .rpc(
            "secret.set",
            json!({ "name": "openai.api_key", "value": 918273645 }),
        )
        .await?;
    assert_eq!(bad.status, 400);
    assert!(!bad.body.to_string().contains("918273645"));
    let unknown = s
        .rpc("secret.set", json!({ "name": "twilio.password", "value": "x" }))
        .await?;
    assert_eq!(unknown.code(), "validation");

    let cleared = s
        .rpc("secret.clear", json!({ "name": "twilio.auth_token" }))
        .await?;
    assert_eq!(cleared.body["set"], false);
    assert!(s.test.app.webhooks.secrets().twilio_auth_token.is_none());
    let audit_text = s
        .test
        .app
        .store
        .read(|c| {
            let mut stmt = c.prepare("SELECT action || details FROM audit_log")?;
            let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(rows.join("\n"))
        })
        .await?;
    assert!(audit_text.contains("secret.set") && audit_text.contains("secret.clear"));
    assert!(!audit_text.contains(value));
    s.stop().await;
    Ok(())
}

#[cfg(unix)]
#[tokio::test]
async fn the_tunnel_supervisor_publishes_the_url_and_restarts_a_dropped_tunnel() -> TestResult {
    use callboard_core::setup::tunnel::{self, TunnelCommand, TunnelStatus};
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir()?;
    let (app, running) = bare_app(dir.path()).await?;
    // A fake cloudflared: the first run logs like the real one and dies (a dropped tunnel); the next ones
    // log a new URL and stay up.
    let script = dir.path().join("fake-cloudflared");
    let marker = dir.path().join("ran-once");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ -e {m} ]; then\n  echo 'INF |  https://second-run.trycloudflare.com  |' >&2\n  exec sleep 30\nfi\ntouch {m}\necho 'INF Requesting new quick Tunnel on trycloudflare.com...' >&2\necho 'INF |  https://first-run.trycloudflare.com  |' >&2\nexit 1\n",
            m = marker.display()
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    let handle = tunnel::supervise(
        app.clone(),
        TunnelCommand {
            program: script.clone(),
            args: vec![],
        },
        std::time::Duration::from_millis(10),
    );
    let mut status = handle.status.clone();
    let mut seen = Vec::new();
    let up = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let s = status.borrow_and_update().clone();
            seen.push(s.clone());
            if s == (TunnelStatus::Up {
                url: "https://second-run.trycloudflare.com".into(),
            }) {
                return true;
            }
            if status.changed().await.is_err() {
                return false;
            }
        }
    })
    .await?;
    assert!(up, "{seen:?}");
    assert!(
        seen.iter().any(|s| matches!(s, TunnelStatus::Down { .. })),
        "{seen:?}"
    );
    assert_eq!(
        app.info().public_base_url.as_deref(),
        Some("https://second-run.trycloudflare.com")
    );
    assert_eq!(
        app.setup.tunnel_status(),
        TunnelStatus::Up {
            url: "https://second-run.trycloudflare.com".into()
        }
    );

    handle.stop().await;
    assert_eq!(app.setup.tunnel_status(), TunnelStatus::Off);
    assert_eq!(app.info().public_base_url, None);
    running.stop().await;
    Ok(())
}
