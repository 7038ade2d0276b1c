//! Twilio and Exotel configured through the API, as the Settings panels do it: a campaign on an unconfigured
//! carrier cannot start and the error names what is missing; keys and caller numbers saved over RPC reach the
//! running dialer at once (no restart); bad carrier settings are refused field by field and nothing is
//! stored; `provider.test` reaches Exotel through the configured credentials.

use std::{collections::HashMap, sync::Arc};

use callboard_core::{
    engine::Dialer,
    providers::carriers,
    secret_store::{Credentials, EnvOverrides, MemoryStore},
    webhooks::sig_twilio::parse_form,
};
use callboard_testkit::{Served, TestApp};
use serde_json::{Value, json};

use crate::carriers::{mock_server, request, value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A served app whose credentials live in memory with the carriers' API bases at `base`, carriers installed
/// as `launch` installs them; returns the dialers the engine would hold.
async fn served(
    base: &str,
) -> Result<(Served, HashMap<String, Arc<dyn Dialer>>), Box<dyn std::error::Error>> {
    let s = TestApp::new()?.serve().await?;
    let env: HashMap<&str, String> = [
        ("CALLBOARD_TWILIO_BASE_URL", base.to_owned()),
        ("CALLBOARD_EXOTEL_BASE_URL", base.to_owned()),
    ]
    .into();
    s.test.app.set_credentials(Credentials::new(
        MemoryStore::new(),
        EnvOverrides::from_lookup(|k| env.get(k).cloned()),
        None,
    ));
    let app = s.test.app.clone();
    let resolved = tokio::task::spawn_blocking(move || carriers::resolve_for(&app)).await??;
    let mut dialers = HashMap::new();
    carriers::install(&s.test.app, resolved, &mut dialers);
    Ok((s, dialers))
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn carrier<'a>(out: &'a Value, p: &str) -> &'a Value {
    out["carriers"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["provider"] == p))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_twilio_campaign_starts_once_keys_and_a_number_are_saved_and_the_dialer_uses_them_live()
-> TestResult {
    let (mock, recorded) = mock_server(vec![(201, r#"{"sid": "CA900"}"#.into())]).await?;
    let (s, dialers) = served(&mock).await?;
    let agent = s
        .rpc("agent.create", json!({"name": "Sara", "provider": "elevenlabs"}))
        .await?;
    let campaign = s
        .rpc(
            "campaign.create",
            json!({"name": "Test drives", "provider": "twilio", "agent_id": agent.body["id"]}),
        )
        .await?;
    assert_eq!(campaign.status, 200, "{:?}", campaign.body);
    let id = campaign.body["id"].clone();

    let status = s.rpc("carrier.status", json!({})).await?;
    assert_eq!(status.body["live"], true);
    assert_eq!(carrier(&status.body, "twilio")["configured"], false);
    assert_eq!(carrier(&status.body, "twilio")["from_env"], json!(["base_url"]));

    let refused = s.rpc("campaign.start", json!({"id": id})).await?;
    assert_eq!(
        (refused.status, refused.code()),
        (422, "validation"),
        "{:?}",
        refused.body
    );
    assert_eq!(fields(&refused.body), ["provider"]);
    let message = refused.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Twilio is not configured")
            && message.contains("Account SID and Auth token")
            && message.contains("Settings › Twilio"),
        "{message}"
    );
    // Before any key, the engine's dialer fails a dial with the same reason instead of placing it.
    let early = dialers["twilio"].dial(request(1, "+96550000001", "")).await;
    assert!(format!("{early:?}").contains("Auth token"), "{early:?}");

    for (name, v) in [("twilio.account_sid", "AC123"), ("twilio.auth_token", "tw-good")] {
        let set = s.rpc("secret.set", json!({"name": name, "value": v})).await?;
        assert_eq!(set.status, 200, "{:?}", set.body);
    }
    let no_number = s.rpc("campaign.start", json!({"id": id})).await?;
    assert_eq!(fields(&no_number.body), ["from_number"], "{:?}", no_number.body);

    let saved = s
        .rpc(
            "carrier.settings.set",
            json!({"twilio": {"from_numbers": ["+1 415 555 0100", "+14155550111"]}}),
        )
        .await?;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let tw = carrier(&saved.body, "twilio");
    assert_eq!(tw["configured"], true);
    assert_eq!(tw["numbers"], json!(["+14155550100", "+14155550111"]));
    assert!(
        !saved.body.to_string().contains("tw-good"),
        "statuses never carry secrets"
    );

    let started = s.rpc("campaign.start", json!({"id": id})).await?;
    assert_eq!(started.status, 200, "{:?}", started.body);
    assert_eq!(started.body["status"], "running");

    // The dialer the engine held since launch now places calls with the saved account and default number.
    let dialed = dialers["twilio"].dial(request(7, "+96550000001", "")).await?;
    assert_eq!(dialed.provider_call_id, "CA900");
    let reqs = recorded.requests.lock().map(|r| r.clone()).unwrap_or_default();
    assert_eq!(reqs.len(), 1);
    let (method, path, auth, body) = &reqs[0];
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/2010-04-01/Accounts/AC123/Calls.json")
    );
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode("AC123:tw-good");
    assert_eq!(auth, &format!("Basic {expected}"));
    let form = parse_form(body.as_bytes());
    assert_eq!(value(&form, "From"), "+14155550100");
    assert_eq!(value(&form, "To"), "+96550000001");

    // Clearing a key takes the carrier down again, live.
    let cleared = s
        .rpc("secret.clear", json!({"name": "twilio.auth_token"}))
        .await?;
    assert_eq!(cleared.status, 200);
    let status = s.rpc("carrier.status", json!({})).await?;
    assert_eq!(carrier(&status.body, "twilio")["missing"], json!(["Auth token"]));
    let after = dialers["twilio"].dial(request(8, "+96550000001", "")).await;
    assert!(after.is_err(), "{after:?}");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn exotel_is_configured_from_secrets_and_settings_and_bad_settings_are_refused() -> TestResult {
    let (mock, recorded) = mock_server(vec![
        (200, r#"{"Account": {"Name": "Dealer Exo"}}"#.into()),
        (200, r#"{"Call": {"Sid": "exo-call-1"}}"#.into()),
    ])
    .await?;
    let (s, dialers) = served(&mock).await?;
    let bad = s
        .rpc(
            "carrier.settings.set",
            json!({"exotel": {"flow_id": "my flow", "caller_ids": ["call me"]}}),
        )
        .await?;
    assert_eq!((bad.status, bad.code()), (422, "validation"));
    assert_eq!(fields(&bad.body), ["exotel.caller_ids", "exotel.flow_id"]);
    let unknown = s.rpc("carrier.settings.set", json!({"plivo": {}})).await?;
    assert_eq!(unknown.status, 422);
    let status = s.rpc("carrier.status", json!({})).await?;
    assert_eq!(
        status.body["settings"]["exotel"]["flow_id"], "",
        "nothing was stored"
    );
    let ex = carrier(&status.body, "exotel");
    assert_eq!(
        ex["missing"],
        json!([
            "Account SID",
            "API key",
            "API token",
            "webhook path secret",
            "flow id"
        ])
    );

    for (name, v) in [
        ("exotel.account_sid", "exo1"),
        ("exotel.api_key", "ek"),
        ("exotel.api_token", "et"),
        ("exotel.webhook_secret", "path-secret-123"),
    ] {
        assert_eq!(
            s.rpc("secret.set", json!({"name": name, "value": v}))
                .await?
                .status,
            200
        );
    }
    let saved = s
        .rpc(
            "carrier.settings.set",
            json!({"exotel": {"region": "mumbai", "flow_id": "224466", "caller_ids": ["08047112233"]}}),
        )
        .await?;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let ex = carrier(&saved.body, "exotel");
    assert_eq!(ex["configured"], true, "{ex}");
    assert_eq!(
        ex["base_url"],
        mock.as_str(),
        "the environment's base URL wins over the region"
    );

    let test = s.rpc("provider.test", json!({"provider": "exotel"})).await?;
    assert_eq!(test.body["status"], "ok", "{:?}", test.body);
    let call_id = crate::media_mock::seed_call(&s.test.app, "exotel").await?;
    let dialed = dialers["exotel"]
        .dial(request(call_id, "+919800000001", ""))
        .await?;
    assert_eq!(dialed.provider_call_id, "exo-call-1");
    let reqs = recorded.requests.lock().map(|r| r.clone()).unwrap_or_default();
    assert_eq!(reqs[0].1, "/v1/Accounts/exo1.json");
    assert_eq!(reqs[1].1, "/v1/Accounts/exo1/Calls/connect.json");
    let form = parse_form(reqs[1].3.as_bytes());
    assert_eq!(value(&form, "CallerId"), "08047112233");
    assert!(value(&form, "Url").ends_with("/exo1/exoml/start_voice/224466"));
    assert!(value(&form, "StatusCallback").contains("/webhooks/exotel/path-secret-123/status"));
    s.stop().await;
    Ok(())
}
