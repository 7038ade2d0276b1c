//! The do-not-call list through the API and the store: numbers as people type them become one E.164 entry,
//! every change is audited, a listed number is never dialed, and a contact who asks not to be called again
//! (on the call, or as the agent collected it) is put on the list at once.

use callboard_core::{
    clock::{Clock, to_db},
    engine::{Dialer, Engine},
    events::Event,
    live::recorder,
    store::{StoreResult, audit},
};
use serde_json::json;

use crate::live::{board, with_calls};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn numbers_are_listed_as_typed_searched_audited_and_taken_off() -> TestResult {
    let (s, _, campaign) = with_calls(1).await?;
    // The default region is Kuwait: a local number and its international spelling are one entry.
    let added = s
        .rpc(
            "dnc.add",
            json!({"phone": "5512 3456", "reason": "asked by e-mail"}),
        )
        .await?;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["phone_e164"], "+96555123456");
    assert_eq!(added.body["campaign_id"], json!(null));
    assert_eq!(added.body["source"], "manual");
    let again = s.rpc("dnc.add", json!({"phone": "+965 5512 3456"})).await?.body;
    assert_eq!(again["id"], added.body["id"], "adding twice is one entry");
    assert_eq!(again["reason"], "asked by e-mail");
    // The same number for one campaign only is another entry; the contact's name is shown.
    let scoped = s
        .rpc(
            "dnc.add",
            json!({"phone": "+12125550000", "campaign_id": campaign}),
        )
        .await?
        .body;
    assert_eq!(scoped["campaign_name"], "Renewals", "{scoped}");
    assert_eq!(scoped["contact_name"], "Contact 0");

    let bad = s.rpc("dnc.add", json!({"phone": "12"})).await?;
    assert_eq!(bad.code(), "validation", "{}", bad.body);
    assert!(
        bad.body["message"].as_str().unwrap_or("").contains("'12'"),
        "{}",
        bad.body
    );
    let missing = s
        .rpc("dnc.add", json!({"phone": "+96555123457", "campaign_id": 999}))
        .await?;
    assert_eq!(missing.code(), "not_found", "{}", missing.body);

    let page = s.rpc("dnc.list", json!({})).await?.body;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["entries"][0]["phone_e164"], "+12125550000", "newest first");
    let found = s.rpc("dnc.list", json!({"search": "5512"})).await?.body;
    assert_eq!(found["entries"].as_array().map(Vec::len), Some(1), "{found}");
    let by_name = s.rpc("dnc.list", json!({"search": "contact 0"})).await?.body;
    assert_eq!(by_name["entries"][0]["phone_e164"], "+12125550000", "{by_name}");
    let by_reason = s.rpc("dnc.list", json!({"search": "e-mail"})).await?.body;
    assert_eq!(by_reason["total"], 1, "{by_reason}");

    let removed = s.rpc("dnc.remove", json!({"phone": "55123456"})).await?.body;
    assert_eq!(removed["removed"], true, "{removed}");
    let not_listed = s.rpc("dnc.remove", json!({"phone": "55123456"})).await?.body;
    assert_eq!(not_listed["removed"], false);
    let audited = s
        .test
        .app
        .store
        .read(|c| -> StoreResult<(i64, i64)> {
            Ok((audit::count(c, "dnc.add")?, audit::count(c, "dnc.remove")?))
        })
        .await?;
    assert_eq!(audited, (2, 1), "one row per change, none for no-ops");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_contact_who_asks_not_to_be_called_is_listed_at_once_and_never_dialed_again() -> TestResult {
    // Two contacts in calls: the second keeps the campaign running while the first is set aside.
    let (s, dialer, campaign) = with_calls(2).await?;
    let calls = board(&s, json!({})).await?;
    let call = calls
        .iter()
        .find(|c| c["contact_phone"] == "+12125550000")
        .and_then(|c| c["id"].as_i64())
        .ok_or("no call to the first contact")?;
    let said = Event::CallTranscript {
        call_id: call,
        role: "contact".into(),
        text: "I already bought a car. Please don't call me again.".into(),
        at: to_db(s.test.clock.now()),
    };
    recorder::record(&s.test.app, vec![said]).await?;

    let listed = s.rpc("dnc.list", json!({})).await?.body;
    assert_eq!(listed["entries"][0]["phone_e164"], "+12125550000", "{listed}");
    assert_eq!(listed["entries"][0]["source"], "opt_out");
    assert!(
        listed["entries"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("bought a car")
    );
    let contacts = s.rpc("contact.list", json!({"status": "opted_out"})).await?.body;
    assert_eq!(contacts["total"], 1, "{contacts}");
    // The contact's drawer says so: opted out, on the list, with the call.
    let contact_id = contacts["contacts"][0]["id"].clone();
    let detail = s.rpc("contact.get", json!({"id": contact_id})).await?.body;
    assert_eq!(detail["contact"]["status"], "opted_out", "{detail}");
    assert_eq!(detail["dnc"][0]["source"], "opt_out");
    assert_eq!(detail["calls"][0]["id"], call);
    assert_eq!(detail["campaigns"][0]["campaign_id"], campaign);
    let items = s.rpc("attention.list", json!({})).await?.body;
    assert!(
        items["items"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("do-not-call list"),
        "{items}"
    );

    // The call ends without an answer and would be retried; the engine sets the contact aside instead.
    s.test.app.store
        .with_tx(move |tx| -> StoreResult<()> {
            tx.execute("UPDATE calls SET status = 'no_answer', outcome = 'no_answer', ended_at = '2026-01-01T00:00:00Z' WHERE id = ?1", [call])?;
            tx.execute("UPDATE campaign_contacts SET state = 'retry_wait', next_attempt_at = '2000-01-01T00:00:00Z', lease_expires_at = NULL WHERE campaign_id = ?1 AND last_call_id = ?2", [campaign, call])?;
            Ok(())
        })
        .await?;
    let dialers = std::collections::HashMap::from([(
        "twilio".to_owned(),
        dialer.clone() as std::sync::Arc<dyn Dialer>,
    )]);
    let report = Engine::new(s.test.app.clone(), dialers.clone()).step().await?;
    assert_eq!(report.dialed, 0, "a listed number is not dialed");
    let state = |s: &callboard_testkit::Served| {
        let app = s.test.app.clone();
        async move {
            app.store
                .read(move |c| -> StoreResult<(String, String)> {
                    Ok(c.query_row(
                        "SELECT state, wait_reason FROM campaign_contacts WHERE campaign_id = ?1 AND contact_id = \
                         (SELECT id FROM contacts WHERE phone_e164 = '+12125550000')",
                        [campaign],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?)
                })
                .await
        }
    };
    assert_eq!(state(&s).await?, ("suppressed".into(), "dnc".into()));

    // Taken off the list by a supervisor: the contact is active again and the campaign may call it.
    let removed = s.rpc("dnc.remove", json!({"phone": "+12125550000"})).await?.body;
    assert_eq!(removed["removed"], true);
    let contacts = s.rpc("contact.list", json!({"status": "opted_out"})).await?.body;
    assert_eq!(contacts["total"], 0, "{contacts}");
    assert_eq!(state(&s).await?.0, "pending");
    let report = Engine::new(s.test.app.clone(), dialers).step().await?;
    assert_eq!(report.dialed, 1, "called again once the supervisor allowed it");
    s.stop().await;
    Ok(())
}
