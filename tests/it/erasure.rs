//! A person's erasure request (`contact.forget`) on a real data dir: what they said and what describes them is
//! gone from every table and file, search no longer finds it, their number stays on the do-not-call list, and
//! the calls remain as bare facts.

use callboard_core::{
    clock::{Clock, to_db},
    events::Event,
    live::recorder,
    store::{StoreResult, audit, erasure::ERASED},
};
use serde_json::json;

use crate::live::{board, with_calls};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn a_forgotten_person_leaves_no_words_behind_and_is_never_called_again() -> TestResult {
    let (s, _, _) = with_calls(1).await?;
    let call = board(&s, json!({})).await?[0]["id"].as_i64().ok_or("no call")?;
    let contact: i64 = s
        .test
        .app
        .store
        .read(move |c| -> StoreResult<i64> {
            Ok(c.query_row("SELECT contact_id FROM calls WHERE id = ?1", [call], |r| r.get(0))?)
        })
        .await?;
    // What a call leaves behind: live lines (an opt-out among them), the provider's transcript, summary and
    // analysis, a raw webhook body, a recording.
    let said = |text: &str| Event::CallTranscript {
        call_id: call,
        role: "contact".into(),
        text: text.into(),
        at: to_db(s.test.clock.now()),
    };
    recorder::record(
        &s.test.app,
        vec![
            said("My daughter Mariam drives the Pajero"),
            said("Please don't call me again"),
        ],
    )
    .await?;
    let dir = s.test.dir.path().to_path_buf();
    std::fs::create_dir_all(dir.join("recordings"))?;
    std::fs::write(dir.join(format!("recordings/call-{call}.wav")), b"RIFF")?;
    let now = to_db(s.test.clock.now());
    s.test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<()> {
            tx.execute(
                "UPDATE calls SET summary = 'Mariam wants a Pajero', transcript = '[{\"role\":\"user\",\"message\":\"Pajero for Mariam\"}]', \
                 analysis = '{\"data_collection_results\":{\"model\":{\"value\":\"Pajero\"}}}', recording_path = ?2 WHERE id = ?1",
                rusqlite::params![call, format!("recordings/call-{call}.wav")],
            )?;
            tx.execute(
                "INSERT INTO call_events(provider, type, idempotency_key, call_id, body, status, received_at) \
                 VALUES ('elevenlabs', 'post_call_transcription', 'k1', ?1, CAST('{\"name\":\"Mariam\"}' AS BLOB), 'applied', ?2)",
                rusqlite::params![call, now],
            )?;
            Ok(())
        })
        .await?;
    assert_eq!(s.rpc("call.hang_up", json!({"id": call})).await?.status, 200);
    let found = s.rpc("call.history", json!({"search": "Pajero"})).await?.body;
    assert_eq!(found["total"], 1, "findable before: {found}");

    let out = s.rpc("contact.forget", json!({"id": contact})).await?;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["calls"], 1);
    assert_eq!(out.body["files_deleted"], 1);
    assert!(!dir.join(format!("recordings/call-{call}.wav")).exists());

    let found = s.rpc("call.history", json!({"search": "Pajero"})).await?.body;
    assert_eq!(found["total"], 0, "nothing they said is found: {found}");
    let found = s.rpc("call.history", json!({"search": "Mariam"})).await?.body;
    assert_eq!(found["total"], 0, "{found}");
    let left = s
        .test
        .app
        .store
        .read(move |c| -> StoreResult<_> {
            let contact_row: (String, String, String) = c.query_row(
                "SELECT name, variables, status FROM contacts WHERE id = ?1",
                [contact],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let call_row: (Option<String>, Option<String>, String, Option<String>, String) = c.query_row(
                "SELECT transcript, summary, analysis, recording_path, status FROM calls WHERE id = ?1",
                [call],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            let lines: i64 =
                c.query_row("SELECT COUNT(*) FROM call_transcript_lines WHERE call_id = ?1", [call], |r| r.get(0))?;
            let bodies: i64 = c.query_row(
                "SELECT COUNT(*) FROM call_events WHERE call_id = ?1 AND body IS NOT NULL",
                [call],
                |r| r.get(0),
            )?;
            let quotes: i64 = c.query_row(
                "SELECT COUNT(*) FROM attention_items WHERE message LIKE '%Mariam%' OR message LIKE '%call me%'",
                [],
                |r| r.get(0),
            )?;
            let dnc: (String, String) =
                c.query_row("SELECT phone_e164, reason FROM dnc_entries", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok((contact_row, call_row, lines, bodies, quotes, dnc, audit::count(c, "contact.forget")?))
        })
        .await?;
    let (contact_row, call_row, lines, bodies, quotes, dnc, audited) = left;
    assert_eq!(
        contact_row,
        (String::new(), "{}".to_owned(), "deleted".to_owned())
    );
    assert_eq!(
        call_row,
        (None, None, "{}".to_owned(), None, "cancelled".to_owned()),
        "the call stays, emptied"
    );
    assert_eq!((lines, bodies, quotes), (0, 0, 0));
    assert_eq!(
        dnc,
        ("+12125550000".to_owned(), ERASED.to_owned()),
        "still never called, nothing quoted"
    );
    assert_eq!(audited, 1);

    let unknown = s.rpc("contact.forget", json!({"id": 999_999})).await?;
    assert_eq!(unknown.code(), "not_found", "{}", unknown.body);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_caller_without_a_contact_record_is_forgotten_call_by_call() -> TestResult {
    let s = callboard_testkit::TestApp::new()?.serve().await?;
    let dir = s.test.dir.path().to_path_buf();
    std::fs::create_dir_all(dir.join("recordings"))?;
    let now = to_db(s.test.clock.now());
    // An incoming SIP call (no contact) with its live lines, a summary, a recording and the webhook body that
    // named the caller; and a dialed call of a known contact.
    let (sip, dialed, contact) = s
        .test
        .app
        .store
        .with_tx(move |tx| -> StoreResult<(i64, i64, i64)> {
            tx.execute(
                "INSERT INTO calls(provider, origin, status, summary, recording_path, created_at, updated_at) \
                 VALUES ('openai', 'sip', 'completed', 'Caller Huda asked about her crown', 'recordings/call-sip.wav', ?1, ?1)",
                [&now],
            )?;
            let sip = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO call_transcript_lines(call_id, role, text, at) VALUES (?1, 'contact', 'This is Huda, my crown fell out', ?2)",
                rusqlite::params![sip, now],
            )?;
            tx.execute(
                "INSERT INTO call_events(provider, type, idempotency_key, call_id, body, status, received_at) \
                 VALUES ('openai', 'realtime.call.incoming', 'k-sip', ?1, CAST('{\"from\":\"+96555001122\"}' AS BLOB), 'applied', ?2)",
                rusqlite::params![sip, now],
            )?;
            tx.execute(
                "INSERT INTO contacts(phone_e164, name, created_at, updated_at) VALUES ('+12125550101', 'Ana', ?1, ?1)",
                [&now],
            )?;
            let contact = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO calls(provider, contact_id, status, summary, created_at, updated_at) \
                 VALUES ('sim', ?1, 'completed', 'Ana', ?2, ?2)",
                rusqlite::params![contact, now],
            )?;
            Ok((sip, tx.last_insert_rowid(), contact))
        })
        .await?;
    std::fs::write(dir.join("recordings/call-sip.wav"), b"RIFF")?;

    let out = s.rpc("call.forget", json!({"id": sip})).await?;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(
        (out.body["calls"].as_u64(), out.body["files_deleted"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(out.body["phone_e164"], "");
    assert!(!dir.join("recordings/call-sip.wav").exists());
    let found = s.rpc("call.history", json!({"search": "Huda"})).await?.body;
    assert_eq!(found["total"], 0, "{found}");
    let d = s.rpc("call.get", json!({"id": sip})).await?.body;
    assert_eq!(d["call"]["status"], "completed", "the call stays as a fact: {d}");
    assert_eq!(d["transcript"], json!([]));
    assert!(d["summary"].is_null());
    let (bodies, audited) = s
        .test
        .app
        .store
        .read(move |c| -> StoreResult<(i64, i64)> {
            let bodies = c.query_row(
                "SELECT COUNT(*) FROM call_events WHERE call_id = ?1 AND body IS NOT NULL",
                [sip],
                |r| r.get(0),
            )?;
            Ok((bodies, audit::count(c, "call.forget")?))
        })
        .await?;
    assert_eq!((bodies, audited), (0, 1));

    // A call with a contact: forget the person instead; an unknown call: not found.
    let refused = s.rpc("call.forget", json!({"id": dialed})).await?;
    assert_eq!(refused.code(), "conflict", "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("contact {contact}"))
    );
    let unknown = s.rpc("call.forget", json!({"id": 999_999})).await?;
    assert_eq!(unknown.code(), "not_found", "{}", unknown.body);
    s.stop().await;
    Ok(())
}
