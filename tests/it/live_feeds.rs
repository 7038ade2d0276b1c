//! The live monitor's feeds through the real listener: the live-listen socket carrying a call's tap frames,
//! "needs attention" items raised from alerts, stuck calls and opt-outs, and the overview and campaign figures.

use std::{collections::HashMap, sync::Arc};

use callboard_core::{
    clock::{Clock, to_db},
    events::Event,
    live::recorder,
    store::StoreResult,
};
use futures_util::StreamExt;
use jiff::SignedDuration;
use serde_json::json;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::live::{board, with_calls};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn the_listen_socket_streams_a_calls_tap_as_pcm16le() -> TestResult {
    let (s, _, _) = with_calls(1).await?;
    let id = board(&s, json!({})).await?[0]["id"].as_i64().unwrap_or_default();
    let url = format!("ws://{}/api/calls/{id}/listen?token={}", s.ui_addr(), s.token());

    // No media yet: 404, not an upgrade.
    match tokio_tungstenite::connect_async(&url).await {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 404),
        other => panic!("expected 404, got {other:?}"),
    }
    // No token: 401.
    match tokio_tungstenite::connect_async(format!("ws://{}/api/calls/{id}/listen", s.ui_addr())).await {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }

    let taps = &s.test.app.media_taps;
    taps.open(id);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await?;
    assert_eq!(
        s.rpc("call.get", json!({"id": id})).await?.body["listenable"],
        true
    );
    // The socket subscribed before answering the upgrade, so every frame published now reaches it.
    for k in 0..5i16 {
        let frame: Vec<i16> = (0..160).map(|i| (i as i16 - 80) * (k + 1)).collect();
        taps.publish(id, Arc::from(frame));
    }
    for k in 0..5i16 {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await?;
        let Some(Ok(Message::Binary(bytes))) = msg else {
            panic!("expected a binary frame, got {msg:?}")
        };
        assert_eq!(bytes.len(), 320);
        let first = i16::from_le_bytes([bytes[0], bytes[1]]);
        let last = i16::from_le_bytes([bytes[318], bytes[319]]);
        assert_eq!((first, last), (-80 * (k + 1), 79 * (k + 1)));
    }
    // The call's media ends: the socket closes.
    taps.close(id);
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await?;
    assert!(matches!(end, Some(Ok(Message::Close(_))) | None), "{end:?}");
    let _ = ws.close(None).await;
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn alerts_and_stuck_calls_need_attention_until_acknowledged() -> TestResult {
    let (s, _, campaign_id) = with_calls(2).await?;
    let app = s.test.app.clone();
    recorder::record(
        &app,
        vec![
            Event::Alert {
                kind: "circuit_breaker".into(),
                campaign_id: Some(campaign_id),
                message: "20 of the last 20 dials failed".into(),
            },
            Event::Alert {
                kind: "circuit_breaker".into(),
                campaign_id: Some(campaign_id),
                message: "20 of the last 20 dials failed".into(),
            },
            Event::WebhookAlert {
                provider: "twilio".into(),
                route: "/webhooks/twilio/status".into(),
                rejected: 12,
                message: "12 deliveries failed their signature check".into(),
            },
        ],
    )
    .await?;
    // Nothing is stuck yet.
    assert_eq!(recorder::scan_stuck(&app).await?, 0);
    // The campaign is paused (the watchdog no longer ends its calls) and time passes.
    let now = to_db(s.test.clock.now());
    app.store
        .with_tx(move |tx| -> StoreResult<usize> {
            Ok(tx.execute(
                "UPDATE campaigns SET status = 'paused', updated_at = ?2 WHERE id = ?1",
                rusqlite::params![campaign_id, now],
            )?)
        })
        .await?;
    s.test
        .clock
        .advance(recorder::STUCK_AFTER + SignedDuration::from_mins(1));
    assert_eq!(recorder::scan_stuck(&app).await?, 2);
    assert_eq!(
        recorder::scan_stuck(&app).await?,
        0,
        "a stuck call is reported once"
    );

    let list = s.rpc("attention.list", json!({})).await?.body;
    assert_eq!(list["open"], 4);
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds.iter().filter(|k| **k == "stuck_call").count(), 2);
    let breaker = list["items"]
        .as_array()
        .and_then(|i| i.iter().find(|x| x["kind"] == "circuit_breaker"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (breaker["count"].as_i64(), breaker["severity"].as_str()),
        (Some(2), Some("critical"))
    );
    assert_eq!(breaker["campaign_id"], campaign_id);

    let acked = s.rpc("attention.ack", json!({"id": breaker["id"]})).await?;
    assert_eq!(acked.status, 200, "{}", acked.body);
    assert_eq!(acked.body["acked_by"], "ui");
    let after = s.rpc("attention.list", json!({})).await?.body;
    assert_eq!(after["open"], 3);
    assert_eq!(after["items"].as_array().map(Vec::len), Some(3));
    let all = s
        .rpc("attention.list", json!({"include_acked": true}))
        .await?
        .body;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(4));
    let missing = s.rpc("attention.ack", json!({"id": 12345})).await?;
    assert_eq!(missing.code(), "not_found");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn overview_and_campaign_figures_count_dials_connects_and_successes() -> TestResult {
    let (s, _, campaign_id) = with_calls(4).await?;
    let app = s.test.app.clone();
    let at = to_db(s.test.clock.now());
    // Two calls answered (one a success with cost), one no answer; one still in flight.
    app.store
        .with_tx(move |tx| -> StoreResult<usize> {
            tx.execute(
                "UPDATE calls SET status = 'completed', outcome = 'answered', answered_at = ?1, \
                 ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '+90 seconds'), disposition = 'success', cost = 0.5 \
                 WHERE id = (SELECT MIN(id) FROM calls)",
                [&at],
            )?;
            tx.execute(
                "UPDATE calls SET status = 'completed', outcome = 'answered', answered_at = ?1, \
                 ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '+30 seconds'), disposition = 'failure' \
                 WHERE id = (SELECT MIN(id) + 1 FROM calls)",
                [&at],
            )?;
            Ok(tx.execute(
                "UPDATE calls SET status = 'no_answer', outcome = 'no_answer', ended_at = ?1 WHERE id = (SELECT MIN(id) + 2 FROM calls)",
                [&at],
            )?)
        })
        .await?;
    let o = s.rpc("stats.overview", json!({})).await?;
    assert_eq!(o.status, 200, "{}", o.body);
    let t = &o.body["totals"];
    assert_eq!(
        (
            t["dials"].as_i64(),
            t["connects"].as_i64(),
            t["successes"].as_i64(),
            t["in_flight"].as_i64()
        ),
        (Some(4), Some(2), Some(1), Some(1))
    );
    assert_eq!(t["avg_duration_s"].as_f64().map(f64::round), Some(60.0));
    assert_eq!(t["cost"], 0.5);
    assert_eq!(o.body["connect_rate"].as_f64(), Some(2.0 / 3.0));
    assert_eq!(o.body["success_rate"], 0.5);
    let hourly: i64 = o.body["hourly"]
        .as_array()
        .map(|h| h.iter().filter_map(|b| b["dials"].as_i64()).sum())
        .unwrap_or_default();
    assert_eq!(hourly, 4);
    let bad = s.rpc("stats.overview", json!({"since": "yesterday"})).await?;
    assert_eq!(bad.code(), "validation");

    let c = s.rpc("stats.campaign", json!({"id": campaign_id})).await?.body;
    let by: HashMap<String, i64> = c["by_outcome"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| Some((x["outcome"].as_str()?.to_owned(), x["count"].as_i64()?)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        by,
        HashMap::from([
            ("answered".into(), 2),
            ("no_answer".into(), 1),
            ("in_flight".into(), 1)
        ])
    );
    assert_eq!(c["calls_per_minute"], 0.4);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_contact_asking_not_to_be_called_needs_attention_once() -> TestResult {
    let (s, _, _) = with_calls(1).await?;
    let id = board(&s, json!({})).await?[0]["id"].as_i64().unwrap_or_default();
    let line = |text: &str| Event::CallTranscript {
        call_id: id,
        role: "contact".into(),
        text: text.into(),
        at: to_db(s.test.clock.now()),
    };
    recorder::record(
        &s.test.app,
        vec![line("Who is this?"), line("Please STOP calling me.")],
    )
    .await?;
    recorder::record(&s.test.app, vec![line("I said do not call me again")]).await?;
    let list = s.rpc("attention.list", json!({})).await?.body;
    assert_eq!(list["open"], 1, "{list}");
    assert_eq!(list["items"][0]["kind"], "opt_out");
    assert_eq!(list["items"][0]["call_id"], id);
    s.stop().await;
    Ok(())
}
