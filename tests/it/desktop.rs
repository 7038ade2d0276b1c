//! The desktop shell's loops, without a display: the tray view follows the store as events arrive, "Pause all
//! campaigns" pauses every running campaign through the command table (audited), and a new "needs attention"
//! item becomes a notification (which items, the opt-out and bursts are `desktop::notify`'s unit tests).

use std::time::Duration;

use callboard_core::{
    desktop::{follow, notify::Notice, tray::TrayView},
    events::Event,
    live::recorder,
};
use callboard_testkit::TestApp;
use serde_json::json;
use tokio::sync::mpsc;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The next value, or an error naming what did not come.
async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>, what: &str) -> Result<T, String> {
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(v)) => Ok(v),
        _ => Err(format!("no {what} within 10 s")),
    }
}

#[tokio::test]
async fn the_tray_follows_running_campaigns_and_pause_all_pauses_them_audited() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let app = s.test.app.clone();
    let (tx, mut views) = mpsc::unbounded_channel::<TrayView>();
    let follower = tokio::spawn(follow::follow_tray(app.clone(), move |v| {
        let _ = tx.send(v);
    }));
    let first = next(&mut views, "first tray view").await?;
    assert!(!first.can_pause, "{first:?}");

    // The engine dials a running campaign (its step announces the campaign): the tray catches up.
    let (_dialer, campaign) = crate::live::dial_calls(&s, 2, false).await?;
    app.events.emit(Event::Resync);
    let view = loop {
        let v = next(&mut views, "tray view with the running campaign").await?;
        if v.can_pause {
            break v;
        }
    };
    assert!(view.lines.iter().any(|l| l.contains("Renewals")), "{view:?}");
    assert!(view.tooltip.contains("2 calls in flight"), "{view:?}");

    assert_eq!(follow::pause_all(&app).await, 1);
    let c = s.rpc("campaign.get", json!({"id": campaign})).await?.body;
    assert_eq!(c["status"], "paused", "{c}");
    let audited = app
        .store
        .read(|c| callboard_core::store::audit::count(c, "campaign.transition"))
        .await?;
    assert_eq!(audited, 1, "the tray's pause is audited like the UI's");
    // Nothing left to pause; the tray says so after the pause's own event.
    assert_eq!(follow::pause_all(&app).await, 0);
    loop {
        if !next(&mut views, "tray view after the pause").await?.can_pause {
            break;
        }
    }
    follower.abort();
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_new_attention_item_becomes_a_notification() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let app = s.test.app.clone();
    let (tx, mut notices) = mpsc::unbounded_channel::<Notice>();
    let follower = tokio::spawn(follow::follow_attention(app.clone(), move |n| {
        let _ = tx.send(n);
    }));
    let alert = |message: &str| Event::Alert {
        kind: "circuit_breaker".into(),
        campaign_id: None,
        message: message.into(),
    };
    recorder::record(&app, vec![alert("the carrier refused 12 calls")]).await?;
    let notice = next(&mut notices, "notification").await?;
    assert!(
        format!("{} {}", notice.title, notice.body).contains("the carrier refused 12 calls"),
        "{notice:?}"
    );
    follower.abort();
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_window_gets_every_event_batch_in_order() -> TestResult {
    let t = TestApp::new()?;
    let (tx, mut batches) = mpsc::unbounded_channel::<Vec<Event>>();
    let forward = tokio::spawn(follow::forward_events(&t.app, move |batch| {
        let _ = tx.send(batch.to_vec());
    }));
    for id in [1, 2, 3] {
        t.app.events.emit(Event::CampaignDeleted { id });
    }
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.extend(next(&mut batches, "event batch").await?);
    }
    assert_eq!(seen, [1, 2, 3].map(|id| Event::CampaignDeleted { id }).to_vec());
    forward.abort();
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_restart_waits_for_the_commands_answer_to_get_out() -> TestResult {
    let t = TestApp::new()?;
    assert!(!t.app.setup.request_restart(), "no host handler: no restart");
    let (tx, mut restarted) = mpsc::unbounded_channel::<()>();
    t.app.setup.set_restart_handler(std::sync::Arc::new(move || {
        let _ = tx.send(());
    }));
    assert!(t.app.setup.request_restart());
    tokio::time::sleep(callboard_core::setup::RESTART_DELAY / 2).await;
    assert!(
        restarted.try_recv().is_err(),
        "restarted before the answer could get out"
    );
    tokio::time::sleep(callboard_core::setup::RESTART_DELAY).await;
    assert!(restarted.try_recv().is_ok());
    Ok(())
}
