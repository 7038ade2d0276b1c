//! Both listeners on real ports: health, token, the UI API never on the public listener, live events over
//! the WebSocket, Host checks, and graceful shutdown.

use callboard_testkit::TestApp;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn healthz_answers_on_both_listeners() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    for (base, which) in [(s.ui_base(), "ui"), (s.public_base(), "public")] {
        let r = s.http.get(format!("{base}/healthz")).send().await?;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await?;
        assert_eq!(body["listener"], which);
    }
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_ui_api_needs_the_token() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let url = format!("{}/api/rpc", s.ui_base());
    let body = json!({"cmd": "campaign.list"});
    let none = s.http.post(&url).json(&body).send().await?;
    assert_eq!(none.status(), 401);
    assert_eq!(none.json::<Value>().await?["code"], "unauthorized");
    let wrong = s
        .http
        .post(&url)
        .bearer_auth("not-the-token")
        .json(&body)
        .send()
        .await?;
    assert_eq!(wrong.status(), 401);
    let right = s
        .http
        .post(&url)
        .bearer_auth(s.token())
        .json(&body)
        .send()
        .await?;
    assert_eq!(right.status(), 200);
    let not_json = s
        .http
        .post(&url)
        .bearer_auth(s.token())
        .body("{oops")
        .send()
        .await?;
    assert_eq!(not_json.status(), 400);
    assert_eq!(not_json.json::<Value>().await?["code"], "bad_request");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_ui_api_is_not_on_the_public_listener() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    for path in ["/api/rpc", "/api/events", "/", "/index.html"] {
        let r = s
            .http
            .post(format!("{}{path}", s.public_base()))
            .bearer_auth(s.token())
            .json(&json!({"cmd": "campaign.list"}))
            .send()
            .await?;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.json::<Value>().await?["code"], "not_found", "{path}");
    }
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_foreign_host_header_is_refused() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let r = s
        .http
        .post(format!("{}/api/rpc", s.ui_base()))
        .header("host", "evil.example:80")
        .bearer_auth(s.token())
        .json(&json!({"cmd": "health"}))
        .send()
        .await?;
    assert_eq!(r.status(), 403);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn events_stream_to_every_ui() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let ws_url = format!("ws://{}/api/events?token={}", s.ui_addr(), s.token());
    let (mut first, _) = tokio_tungstenite::connect_async(&ws_url).await?;
    let (mut second, _) = tokio_tungstenite::connect_async(&ws_url).await?;
    // Both sockets are subscribed once the upgrade completed; a command now must reach both.
    let created = s.rpc("campaign.create", json!({"name": "Live one"})).await?.body;
    s.rpc("campaign.delete", json!({"id": created["id"]})).await?;
    for ws in [&mut first, &mut second] {
        let mut seen = Vec::new();
        while seen.len() < 2 {
            let Some(msg) = ws.next().await else { break };
            if let Message::Text(text) = msg? {
                let batch: Vec<Value> = serde_json::from_str(&text)?;
                seen.extend(batch);
            }
        }
        assert_eq!(seen[0]["type"], "campaign_changed");
        assert_eq!(seen[0]["campaign"]["name"], "Live one");
        assert_eq!(seen[1], json!({"type": "campaign_deleted", "id": created["id"]}));
    }
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_event_socket_needs_the_token() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let err = tokio_tungstenite::connect_async(format!("ws://{}/api/events", s.ui_addr()))
        .await
        .err();
    match err {
        Some(tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("expected a 401, got {other:?}"),
    }
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn shutdown_stops_accepting() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let base = s.public_base();
    let http = s.http.clone();
    s.stop().await;
    assert!(http.get(format!("{base}/healthz")).send().await.is_err());
    Ok(())
}

#[tokio::test]
async fn a_port_let_go_soon_after_start_is_still_the_one_bound() -> TestResult {
    // The old process of a restart still holds the port for a moment: the new one waits for it rather than
    // moving the public listener (and breaking the tunnel and the providers' callback URLs).
    let held = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = held.local_addr()?;
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        drop(held);
    });
    let bound = callboard_core::listener::bind(addr, true).await?;
    assert_eq!(bound.local_addr()?, addr);
    release.await?;

    // Held for good (a second copy of the app): another port, after a short wait.
    let keeper = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = keeper.local_addr()?;
    let other = callboard_core::listener::bind(addr, true).await?;
    assert_ne!(other.local_addr()?.port(), addr.port());
    // Without the fallback (`callboard serve`), an address in use is an error at once.
    let refused = callboard_core::listener::bind(addr, false).await;
    assert!(refused.is_err());
    Ok(())
}
