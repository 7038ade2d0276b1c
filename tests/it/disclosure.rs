//! Recording disclosure tracking through the UI listener: `call.get` tells whether the agent's opening said
//! its disclosure, read from the call's transcript (the provider's post-call transcript here, the live lines
//! on bridged calls), and says nothing for an agent without one.

use callboard_core::clock::{Clock, to_db};
use callboard_testkit::TestApp;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn the_call_drawer_says_whether_the_disclosure_was_said() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let disclosure = "This call may be recorded for quality purposes.";
    let with = s
        .rpc("agent.create", json!({"name": "Sara", "disclosure": disclosure}))
        .await?;
    assert_eq!(with.status, 200, "{}", with.body);
    let without = s.rpc("agent.create", json!({"name": "Omar"})).await?;
    let (with, without) = (with.body["id"].as_i64(), without.body["id"].as_i64());
    let now = to_db(s.test.clock.now());
    // ElevenLabs-format transcripts: one opening with the disclosure (reworded a little), one without.
    let said = json!([
        {"role": "agent", "message": "Hi, this is Sara from Al-Noor Motors. This call may be recorded for quality.", "time_in_call_secs": 1},
        {"role": "user", "message": "Okay.", "time_in_call_secs": 4}
    ]);
    let not_said = json!([
        {"role": "agent", "message": "Hi, this is Sara.", "time_in_call_secs": 1},
        {"role": "user", "message": "Hello?", "time_in_call_secs": 3},
        {"role": "agent", "message": "Do you have a minute?", "time_in_call_secs": 5},
        {"role": "agent", "message": "Great.", "time_in_call_secs": 8},
        {"role": "agent", "message": disclosure, "time_in_call_secs": 60}
    ]);
    let ids = s
        .test
        .app
        .store
        .with_tx(move |tx| -> callboard_core::store::StoreResult<Vec<i64>> {
            let mut ids = Vec::new();
            for (agent, transcript) in [
                (with, Some(said.to_string())),
                (with, Some(not_said.to_string())),
                (with, None),
                (without, Some(said.to_string())),
            ] {
                tx.execute(
                    "INSERT INTO calls(provider, status, outcome, agent_id, transcript, answered_at, ended_at, created_at, updated_at) \
                     VALUES ('elevenlabs', 'completed', 'answered', ?1, ?2, ?3, ?3, ?3, ?3)",
                    rusqlite::params![agent, transcript, now],
                )?;
                ids.push(tx.last_insert_rowid());
            }
            Ok(ids)
        })
        .await?;
    let mut got = Vec::new();
    for id in ids {
        let d = s.rpc("call.get", json!({"id": id})).await?;
        assert_eq!(d.status, 200, "{}", d.body);
        got.push(d.body["disclosure"].clone());
    }
    assert_eq!(got[0]["text"], disclosure);
    assert!(got[0]["heard_at"].is_string(), "{}", got[0]);
    assert!(
        got[1]["heard_at"].is_null(),
        "said only after the opening: {}",
        got[1]
    );
    assert!(got[2]["heard_at"].is_null(), "no transcript: {}", got[2]);
    assert!(got[3].is_null(), "an agent without a disclosure: {}", got[3]);
    s.stop().await;
    Ok(())
}
