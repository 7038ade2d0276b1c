//! The command table through `POST /api/rpc`: every command round-trips, bad input gets the right code, and
//! every change lands in the audit log.

use std::collections::BTreeSet;

use callboard_core::{api::COMMANDS, events::Event, store::audit};
use callboard_testkit::{Served, TestApp};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn served() -> Result<Served, Box<dyn std::error::Error>> {
    Ok(TestApp::new()?.serve().await?)
}

#[tokio::test]
async fn every_command_round_trips() -> TestResult {
    let s = served().await?;
    let mut tested = BTreeSet::new();
    let mut call = async |cmd: &'static str, args: Value| -> Result<Value, Box<dyn std::error::Error>> {
        tested.insert(cmd);
        let a = s.rpc(cmd, args).await?;
        assert_eq!(a.status, 200, "{cmd}: {:?}", a.body);
        Ok(a.body)
    };

    assert_eq!(call("health", json!({})).await?["status"], "ok");
    let info = call("app.info", Value::Null).await?;
    assert_eq!(info["version"], callboard_core::VERSION);
    assert!(
        info["ui_url"]
            .as_str()
            .unwrap_or_default()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(info["demo"], false);

    let agent = call(
        "agent.create",
        json!({"name": "Sara", "provider": "elevenlabs", "language": "ar"}),
    )
    .await?;
    let agents = call("agent.list", json!({})).await?;
    assert_eq!(agents.as_array().map(Vec::len), Some(1));
    assert_eq!(agents[0]["name"], "Sara");
    let disclosed = call(
        "agent.set_disclosure",
        json!({"id": agent["id"], "disclosure": "  This call may be recorded.  "}),
    )
    .await?;
    assert_eq!(disclosed["disclosure"], "This call may be recorded.");
    let too_long = s
        .rpc(
            "agent.set_disclosure",
            json!({"id": agent["id"], "disclosure": "x".repeat(1001)}),
        )
        .await?;
    assert_eq!((too_long.status, too_long.code()), (422, "validation"));
    let missing = s
        .rpc("agent.set_disclosure", json!({"id": 999, "disclosure": ""}))
        .await?;
    assert_eq!((missing.status, missing.code()), (404, "not_found"));

    let created = call(
        "campaign.create",
        json!({"name": "Spring", "agent_id": agent["id"], "provider": "twilio", "max_concurrent": 20,
               "calls_per_second": 2.5, "hours_preset": "kw", "time_zone": "Asia/Kuwait",
               "retry_policy": {"max_attempts": 5, "busy": {"retry": false, "delay_minutes": 0}},
               "max_call_seconds": 600}),
    )
    .await?;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["retry_policy"]["max_attempts"], 5);
    assert_eq!(created["retry_policy"]["busy"]["retry"], false);
    assert_eq!(
        created["retry_policy"]["no_answer"]["delay_minutes"], 120,
        "unset rules keep their defaults"
    );
    assert_eq!(created["breaker"]["min_dials"], 20);
    assert_eq!(created["max_call_seconds"], 600);
    assert_eq!(created["provider"], "twilio");
    assert_eq!(created["agent_id"], agent["id"]);
    let id = created["id"].clone();

    let got = call("campaign.get", json!({"id": id})).await?;
    assert_eq!(got, created);
    let updated = call(
        "campaign.update",
        json!({"id": id, "name": "Spring sale", "agent_id": null}),
    )
    .await?;
    assert_eq!(updated["name"], "Spring sale");
    assert_eq!(updated["agent_id"], Value::Null);
    assert_eq!(updated["max_concurrent"], 20, "fields not sent keep their value");
    let patched = call(
        "campaign.update",
        json!({"id": id, "retry_policy": {"busy": {"delay_minutes": 30}}, "breaker": {"window_s": 300}}),
    )
    .await?;
    assert_eq!(
        patched["retry_policy"]["max_attempts"], 5,
        "a partial policy keeps the rest"
    );
    assert_eq!(
        patched["retry_policy"]["busy"],
        json!({"retry": false, "delay_minutes": 30})
    );
    assert_eq!(patched["breaker"]["window_s"], 300);
    assert_eq!(patched["breaker"]["min_dials"], 20);
    let list = call("campaign.list", json!({})).await?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    // Import: preview, commit in the background, status, cancel (too late), template.
    let file = crate::import_api::fixture("contacts.csv");
    let preview = call("import.preview", json!({"path": file, "campaign_id": id})).await?;
    assert_eq!(preview["summary"]["imported"], 6);
    let mut events = s.test.app.events.subscribe();
    let started = call(
        "import.commit",
        json!({"path": file, "campaign_id": id, "region": "KW"}),
    )
    .await?;
    let finished = crate::import_api::finished(&mut events).await?;
    assert_eq!(finished["summary"]["imported"], 6);
    let status = call("import.status", json!({"import_id": started["import_id"]})).await?;
    assert_eq!(status["state"], "done");
    let errors = call("import.errors", json!({"import_id": started["import_id"]})).await?;
    assert_eq!(errors["rows"], 4);
    assert!(
        errors["csv"]
            .as_str()
            .is_some_and(|c| c.contains("INVALID_PHONE"))
    );
    let piece = call(
        "import.upload_piece",
        json!({"name": "p.csv", "data_base64": "UGhvbmUKNTUxMjM0NTYK"}),
    )
    .await?;
    assert_eq!(piece["bytes"], 15);
    let listed = call("contact.list", json!({"campaign_id": id, "limit": 2})).await?;
    assert_eq!(listed["total"], 6);
    assert_eq!(listed["contacts"].as_array().map(Vec::len), Some(2));
    let one = call("contact.get", json!({"id": listed["contacts"][0]["id"]})).await?;
    assert_eq!(one["contact"]["id"], listed["contacts"][0]["id"]);
    assert_eq!(one["campaigns"][0]["campaign_id"], id, "{one}");
    assert_eq!(one["calls"], json!([]));
    let cancel = call("import.cancel", json!({"import_id": started["import_id"]})).await?;
    assert_eq!(cancel["cancelled"], false);
    let template = call(
        "import.template.save",
        json!({"name": "Leads", "header": ["Mobile"], "mapping": {"columns": [
            {"header": "Mobile", "target": {"kind": "field", "name": "phone"}}]}}),
    )
    .await?;
    assert_eq!(template["name"], "Leads");
    let other = call("campaign.create", json!({"name": "Spring copy"})).await?;
    let copied = call("campaign.copy_contacts", json!({"id": other["id"], "from": id})).await?;
    assert_eq!(copied["added"], 6, "the imported contacts are copied");
    assert_eq!(copied["campaign"]["id"], other["id"]);
    call("campaign.delete", json!({"id": other["id"]})).await?;
    let why = call("campaign.why", json!({"id": id})).await?;
    assert_eq!(
        why["summary"],
        "The campaign is draft; nobody is called until it runs."
    );
    let campaign_id = id.as_i64().ok_or("no id")?;
    let contact_id: i64 = s
        .test
        .app
        .store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT contact_id FROM campaign_contacts WHERE campaign_id = ?1 ORDER BY contact_id LIMIT 1",
                [campaign_id],
                |r| r.get(0),
            )?)
        })
        .await?;
    let callback = call(
        "contact.callback",
        json!({"campaign_id": id, "contact_id": contact_id, "at": "2099-01-01T09:00:00+03:00"}),
    )
    .await?;
    assert_eq!(callback["callback_at"], "2099-01-01T06:00:00.000000Z");
    let settings = call(
        "engine.settings.set",
        json!({"frequency_cap": {"per_day": 2}, "provider_caps": {"twilio": 30}}),
    )
    .await?;
    assert_eq!(settings["frequency_cap"], json!({"per_day": 2, "per_week": 10}));
    assert_eq!(call("engine.settings.get", json!({})).await?, settings);
    for (cmd, status) in [
        ("campaign.start", "running"),
        ("campaign.pause", "paused"),
        ("campaign.resume", "running"),
        ("campaign.cancel", "cancelled"),
    ] {
        assert_eq!(call(cmd, json!({"id": id})).await?["status"], status, "{cmd}");
    }
    assert_eq!(
        call("campaign.delete", json!({"id": id})).await?,
        json!({"id": id})
    );
    assert_eq!(call("campaign.list", json!({})).await?, json!([]));

    let hooks = call("webhook.list", json!({"limit": 10})).await?;
    assert_eq!(hooks["events"], json!([]));
    assert_eq!(hooks["rejected_since_start"], 0);
    let delivered = s
        .post_elevenlabs(
            br#"{"type":"post_call_transcription","data":{"conversation_id":"c1"}}"#,
            None,
        )
        .await?;
    assert_eq!(delivered.status, 200);
    s.test.app.webhooks.settle().await;
    let hooks = call("webhook.list", json!({"limit": 10})).await?;
    let id = hooks["events"][0]["id"].clone();
    let detail = call("webhook.get", json!({ "id": id })).await?;
    assert_eq!(detail["type"], "post_call_transcription");
    assert!(
        detail["body"].as_str().unwrap_or_default().contains("\"c1\""),
        "{detail}"
    );
    assert_eq!(detail["headers"]["content-type"], "application/json", "{detail}");
    let missing = s.rpc("webhook.get", json!({ "id": 999_999 })).await?;
    assert_eq!(missing.body["code"], "not_found");

    // Demo mode: seeded into this data dir, labelled, then removed again without touching the rest.
    assert_eq!(call("demo.start", json!({})).await?["demo"], true);
    let demo = call("campaign.list", json!({})).await?;
    let list = demo.as_array().cloned().unwrap_or_default();
    assert!(list.iter().any(|c| c["status"] == "running"), "{demo}");
    let contacts: i64 = list.iter().filter_map(|c| c["contacts"].as_i64()).sum();
    assert!(contacts >= 3000, "{contacts}");
    let mut events = s.test.app.events.subscribe();
    assert_eq!(call("demo.leave", json!({})).await?["demo"], false);
    assert_eq!(call("campaign.list", json!({})).await?, json!([]));
    // Each demo campaign is named as deleted before the reload, so no late word from the engine revives it.
    let mut deleted = Vec::new();
    while let Some(batch) = events.next_batch().await {
        let resync = batch.iter().any(|e| matches!(e, Event::Resync));
        deleted.extend(batch.into_iter().filter_map(|e| match e {
            Event::CampaignDeleted { id } => Some(id),
            _ => None,
        }));
        if resync {
            break;
        }
    }
    let mut seeded: Vec<i64> = list.iter().filter_map(|c| c["id"].as_i64()).collect();
    seeded.sort_unstable();
    deleted.sort_unstable();
    assert_eq!(deleted, seeded);
    assert_eq!(call("app.info", json!({})).await?["demo"], false);
    let agents = call("agent.list", json!({})).await?;
    assert_eq!(
        agents.as_array().map(Vec::len),
        Some(1),
        "the user's own agent stays: {agents}"
    );

    // The live monitor: two calls in flight on a provider that can do everything.
    let (dialer, live_campaign) = crate::live::dial_calls(&s, 2, true).await?;
    let board = call("call.list", json!({"campaign_id": live_campaign})).await?;
    let ids: Vec<i64> = board
        .as_array()
        .map(|b| b.iter().filter_map(|c| c["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        call("call.get", json!({"id": ids[0]})).await?["call"]["status"],
        "dialing"
    );
    call("call.whisper", json!({"id": ids[0], "text": "Be brief"})).await?;
    assert_eq!(
        call("call.transfer", json!({"id": ids[0], "to": "+15551234567"})).await?["status"],
        "transferred"
    );
    assert_eq!(
        call("call.hang_up", json!({"id": ids[1]})).await?["status"],
        "cancelled"
    );
    assert_eq!(dialer.actions().len(), 3);
    callboard_core::live::recorder::record(
        &s.test.app,
        vec![Event::Alert {
            kind: "circuit_breaker".into(),
            campaign_id: Some(live_campaign),
            message: "tripped".into(),
        }],
    )
    .await?;
    let attention = call("attention.list", json!({})).await?;
    assert_eq!(attention["open"], 1);
    call("attention.ack", json!({"id": attention["items"][0]["id"]})).await?;
    // Every call today: these two and any an earlier section created from a webhook.
    let overview = call("stats.overview", json!({})).await?;
    assert!(
        overview["totals"]["dials"].as_i64().unwrap_or(0) >= 2,
        "{overview}"
    );
    assert_eq!(
        call("stats.campaign", json!({"id": live_campaign})).await?["totals"]["dials"],
        2
    );

    // The AI agent's side of a call (realtime.rs runs these with a mock OpenAI Realtime session).
    let phase = call("call.set_phase", json!({"id": ids[0], "phase": "intake"})).await?;
    assert_eq!(phase["phase"], "intake", "{phase}");
    let escalated = call(
        "call.escalate",
        json!({"id": ids[0], "reason": "asked for a person"}),
    )
    .await?;
    assert_eq!(escalated["phase"], "escalation", "{escalated}");
    assert_eq!(
        call("call.agent_state", json!({"id": ids[0]})).await?["phase"],
        "escalation"
    );
    assert_eq!(
        call("campaign.realtime_cost", json!({"id": live_campaign})).await?["cost_micros"],
        0.0
    );
    let endpoint = call("ui.endpoint", json!({})).await?;
    assert!(
        endpoint["ws_url"]
            .as_str()
            .unwrap_or("")
            .starts_with("ws://127.0.0.1:")
    );

    let analytics = call("stats.analytics", json!({"campaign_id": live_campaign})).await?;
    assert_eq!(analytics["totals"]["dials"], 2, "{analytics}");
    assert_eq!(analytics["days"].as_array().map(Vec::len), Some(30));
    // The Calls page: both calls have ended (one transferred, one hung up).
    let history = call("call.history", json!({"campaign_id": live_campaign})).await?;
    assert_eq!(history["total"], 2, "{history}");
    let export = call("call.export", json!({"campaign_id": live_campaign})).await?;
    assert_eq!(export["rows"], 2);
    assert!(
        export["content"]
            .as_str()
            .unwrap_or("")
            .starts_with("call_id,ended_at,")
    );
    assert_eq!(
        call("import.sheets_account", json!({})).await?["client_email"],
        Value::Null
    );

    let store = s.test.app.store.clone();
    let audited = store
        .read(|c| {
            Ok((
                audit::count(c, "campaign.create")?,
                audit::count(c, "campaign.update")?,
                audit::count(c, "campaign.delete")?,
            ))
        })
        .await?;
    assert_eq!(audited, (2, 2, 2));
    let transitions = store.read(|c| audit::count(c, "campaign.transition")).await?;
    assert_eq!(transitions, 4);

    // Setup (more in tests/it/setup.rs and backup.rs).
    assert_eq!(call("settings.get", json!({})).await?["default_region"], "KW");
    let settings = call("settings.update", json!({"calling_hours": "us"})).await?;
    assert_eq!(settings["calling_hours"], "us");
    assert_eq!(call("secret.status", json!({})).await?["store"], "memory");
    let set = call("secret.set", json!({"name": "openai.api_key", "value": "sk-1"})).await?;
    assert_eq!(set["set"], true);
    assert_eq!(
        call("secret.clear", json!({"name": "openai.api_key"})).await?["set"],
        false
    );
    assert_eq!(call("setup.status", json!({})).await?["public_url_source"], "env");
    assert_eq!(
        call("setup.selftest", json!({})).await?["ok"],
        false,
        "the test URL is not reachable"
    );
    let carriers = call("carrier.status", json!({})).await?;
    assert_eq!(carriers["carriers"][0]["provider"], "twilio");
    let saved = call(
        "carrier.settings.set",
        json!({"twilio": {"from_numbers": ["+14155550100"]}}),
    )
    .await?;
    assert_eq!(saved["settings"]["twilio"]["from_numbers"][0], "+14155550100");
    let check = call("provider.test", json!({"provider": "openai"})).await?;
    assert_eq!(check["status"], "not_configured");
    let backup = call("backup.create", json!({})).await?;
    assert!(backup["bytes"].as_u64().unwrap_or_default() > 0);
    let listed = call("backup.list", json!({})).await?;
    assert_eq!(listed["backups"][0]["path"], backup["path"]);
    assert_eq!(listed["pending"], Value::Null);
    assert_eq!(
        listed["can_restart"], false,
        "a test server cannot restart itself"
    );
    let archive = backup["path"].clone();
    let preview = call("backup.inspect", json!({"path": archive})).await?;
    assert_eq!(preview["manifest"], backup["manifest"]);
    assert!(preview["current"]["contacts"].is_i64());
    let staged = call("backup.restore", json!({"path": archive})).await?;
    assert!(staged["safety_backup"].is_string());
    assert_eq!(
        call("backup.list", json!({})).await?["pending"],
        backup["manifest"],
        "staged for the next start"
    );
    assert_eq!(call("backup.restore_cancel", json!({})).await?["cancelled"], true);
    assert_eq!(call("app.restart", json!({})).await?["restarting"], false);
    let wiped = call("data.wipe", json!({"confirm": "WIPE EVERYTHING"})).await?;
    assert!(wiped["safety_backup"].is_string());

    let listed = call(
        "dnc.add",
        json!({"phone": "+96555123456", "reason": "round trip"}),
    )
    .await?;
    assert_eq!(listed["phone_e164"], "+96555123456");
    assert_eq!(call("dnc.list", json!({"search": "5512"})).await?["total"], 1);
    assert_eq!(
        call("dnc.remove", json!({"phone": "55123456"})).await?["removed"],
        true
    );

    // import.fetch_sheet needs Google (import_sheets.rs runs it against a mock); here, its error shape.
    let sheet = s
        .rpc("import.fetch_sheet", json!({"sheet": "not a sheet link"}))
        .await?;
    assert_eq!(sheet.code(), "validation", "{:?}", sheet.body);
    tested.insert("import.fetch_sheet");
    // contact.forget erases a person (erasure.rs); here, its error shape.
    let forgotten = s.rpc("contact.forget", json!({"id": 424_242})).await?;
    assert_eq!(forgotten.code(), "not_found", "{}", forgotten.body);
    tested.insert("contact.forget");
    // call.forget erases a caller without a contact record (erasure.rs); here, its error shape.
    let unknown_call = s.rpc("call.forget", json!({"id": 424_242})).await?;
    assert_eq!((unknown_call.status, unknown_call.code()), (404, "not_found"));
    tested.insert("call.forget");

    // `elevenlabs.*` need a (mock) ElevenLabs: elevenlabs.rs round-trips each of them.
    let all: BTreeSet<&str> = COMMANDS
        .iter()
        .copied()
        .filter(|c| !c.starts_with("elevenlabs."))
        // OpenAI Realtime commands: openai_sip.rs round-trips each of them.
        .filter(|c| !super::openai_sip::OPENAI_COMMAND.iter().any(|p| c.starts_with(p)))
        .collect();
    assert_eq!(tested, all, "every command in the table needs a round-trip here");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_a_stable_code() -> TestResult {
    let s = served().await?;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("campaign.fly", json!({}), 400, "unknown_command"),
        ("campaign.create", json!({"name": 5}), 400, "bad_request"),
        (
            "campaign.create",
            json!({"name": "x", "colour": "red"}),
            400,
            "bad_request",
        ),
        ("campaign.get", json!({}), 400, "bad_request"),
        (
            "backup.inspect",
            json!({"path": "/nonexistent/callboard-backup.zip"}),
            404,
            "not_found",
        ),
        ("backup.restore", json!({"path": ""}), 404, "not_found"),
        ("campaign.create", json!({"name": "   "}), 422, "validation"),
        (
            "campaign.create",
            json!({"name": "x", "max_concurrent": 0}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "calls_per_second": 100}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "provider": "skype"}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "time_zone": "Mars/Olympus"}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "hours_preset": "night"}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "agent_id": 999}),
            404,
            "not_found",
        ),
        ("campaign.get", json!({"id": 999}), 404, "not_found"),
        (
            "campaign.update",
            json!({"id": 999, "name": "y"}),
            404,
            "not_found",
        ),
        ("campaign.delete", json!({"id": 999}), 404, "not_found"),
        ("agent.create", json!({"name": ""}), 422, "validation"),
        (
            "campaign.create",
            json!({"name": "x", "max_call_seconds": 5}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "retry_policy": {"max_attempts": 0}}),
            422,
            "validation",
        ),
        (
            "campaign.create",
            json!({"name": "x", "breaker": {"failure_ratio": 2.0}}),
            422,
            "validation",
        ),
        (
            "agent.create",
            json!({"name": "a", "provider": "skype"}),
            422,
            "validation",
        ),
    ];
    for (cmd, args, status, code) in cases {
        let a = s.rpc(cmd, args.clone()).await?;
        assert_eq!((a.status, a.code()), (status, code), "{cmd} {args}: {:?}", a.body);
        assert!(
            !a.body["message"].as_str().unwrap_or_default().is_empty(),
            "{cmd}: message is empty"
        );
    }
    // The message names the field.
    let a = s
        .rpc("campaign.create", json!({"name": "x", "max_concurrent": 0}))
        .await?;
    assert!(
        a.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("max_concurrent"),
        "{:?}",
        a.body
    );

    assert_eq!(
        s.rpc("campaign.create", json!({"name": "Spring"})).await?.status,
        200
    );
    let dup = s.rpc("campaign.create", json!({"name": "SPRING"})).await?;
    assert_eq!((dup.status, dup.code()), (409, "conflict"));
    // Nothing was half-written by the failures.
    let list = s.rpc("campaign.list", json!({})).await?;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_running_campaign_cannot_be_edited_or_deleted() -> TestResult {
    let s = served().await?;
    let c = s.rpc("campaign.create", json!({"name": "Live"})).await?.body;
    let id = c["id"].clone();
    assert_eq!(
        s.rpc("campaign.start", json!({"id": id})).await?.body["status"],
        "running"
    );
    let resume = s.rpc("campaign.resume", json!({"id": id})).await?;
    assert_eq!(
        (resume.code(), &resume.body["message"]),
        ("validation", &json!("a running campaign cannot resume"))
    );
    for (cmd, args) in [
        ("campaign.update", json!({"id": id, "name": "New"})),
        ("campaign.delete", json!({"id": id})),
    ] {
        let a = s.rpc(cmd, args).await?;
        assert_eq!(a.code(), "validation", "{cmd}");
        assert!(
            a.body["message"].as_str().unwrap_or_default().contains("pause"),
            "{:?}",
            a.body
        );
    }
    assert_eq!(
        s.rpc("campaign.get", json!({"id": id})).await?.body["name"],
        "Live"
    );
    // Finished campaigns are final but can be deleted.
    assert_eq!(
        s.rpc("campaign.cancel", json!({"id": id})).await?.body["status"],
        "cancelled"
    );
    assert_eq!(
        s.rpc("campaign.start", json!({"id": id})).await?.code(),
        "validation"
    );
    assert_eq!(s.rpc("campaign.delete", json!({"id": id})).await?.status, 200);
    s.stop().await;
    Ok(())
}
