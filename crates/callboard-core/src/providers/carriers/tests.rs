//! Resolution of the carriers' configuration from credentials, settings and the environment, and the live
//! dialer's answers before it is configured.

use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::secret_store::{EnvOverrides, MemoryStore, SecretStore};

fn creds(store: &[(SecretName, &str)], env: &[(&str, &str)]) -> Credentials {
    let s = MemoryStore::new();
    for (n, v) in store {
        let _ = s.set(*n, &Secret::new(*v));
    }
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Credentials::new(s, EnvOverrides::from_lookup(|k| env.get(k).cloned()), None)
}

fn status<'a>(r: &'a Resolved, p: &str) -> &'a CarrierStatus {
    r.statuses
        .iter()
        .find(|s| s.provider == p)
        .unwrap_or(&r.statuses[0])
}

#[test]
fn nothing_set_names_everything_missing() -> Result<(), SecretStoreError> {
    let r = resolve(
        &creds(&[], &[]),
        &CarrierSettings::default(),
        &CarrierEnv::default(),
    )?;
    assert!(r.twilio.is_none() && r.exotel.is_none() && r.agents.is_none());
    assert_eq!(status(&r, "twilio").missing, vec!["Account SID", "Auth token"]);
    assert_eq!(
        status(&r, "exotel").missing,
        vec![
            "Account SID",
            "API key",
            "API token",
            "webhook path secret",
            "flow id"
        ]
    );
    assert_eq!(status(&r, "exotel").base_url, "https://api.exotel.com");
    Ok(())
}

#[test]
fn store_settings_and_env_combine_and_env_is_reported() -> Result<(), SecretStoreError> {
    let c = creds(
        &[
            (SecretName::TwilioAccountSid, "AC1"),
            (SecretName::ExotelAccountSid, "exo1"),
            (SecretName::ExotelApiKey, "ek"),
            (SecretName::ExotelWebhookSecret, "path-secret"),
            (SecretName::ElevenlabsApiKey, "xi"),
        ],
        &[
            ("CALLBOARD_TWILIO_AUTH_TOKEN", "tw-env"),
            ("CALLBOARD_EXOTEL_API_TOKEN", "et-env"),
        ],
    );
    let settings = CarrierSettings::default()
        .patched(&json!({"twilio": {"from_numbers": ["+14155550100"]},
                         "exotel": {"region": "mumbai", "flow_id": "1234", "caller_ids": ["08047112233"]}}))
        .map_err(|e| SecretStoreError::Unavailable(format!("{e:?}")))?;
    let r = resolve(&c, &settings, &CarrierEnv::default())?;
    let tw = r
        .twilio
        .as_ref()
        .map(|t| (t.account_sid.as_str(), t.auth_token.expose()));
    assert_eq!(tw, Some(("AC1", "tw-env")));
    assert_eq!(status(&r, "twilio").from_env, vec!["twilio.auth_token"]);
    assert_eq!(status(&r, "twilio").numbers, vec!["+14155550100"]);
    let ex = r.exotel.as_ref();
    assert_eq!(ex.map(|e| e.base_url.as_str()), Some("https://api.in.exotel.com"));
    assert_eq!(ex.map(|e| e.flow_id.as_str()), Some("1234"));
    assert!(status(&r, "exotel").configured && status(&r, "exotel").missing.is_empty());
    assert_eq!(status(&r, "exotel").from_env, vec!["exotel.api_token"]);
    assert!(r.agents.is_some());

    // The environment's flow id and base URL win over Settings, and say so.
    let c = creds(
        &[
            (SecretName::ExotelAccountSid, "exo1"),
            (SecretName::ExotelApiKey, "ek"),
            (SecretName::ExotelApiToken, "et"),
            (SecretName::ExotelWebhookSecret, "s"),
        ],
        &[("CALLBOARD_EXOTEL_BASE_URL", "http://127.0.0.1:9/")],
    );
    let env = CarrierEnv {
        exotel_flow_id: Some("999".into()),
        elevenlabs_agent: None,
    };
    let r = resolve(&c, &settings, &env)?;
    assert_eq!(r.exotel.as_ref().map(|e| e.flow_id.as_str()), Some("999"));
    assert_eq!(status(&r, "exotel").base_url, "http://127.0.0.1:9");
    assert_eq!(status(&r, "exotel").from_env, vec!["exotel.flow_id", "base_url"]);
    let shown = format!("{:?}", r.statuses);
    assert!(
        !shown.contains("\"et\"") && !shown.contains("path-secret"),
        "{shown}"
    );
    Ok(())
}

#[tokio::test]
async fn an_unconfigured_live_carrier_refuses_with_the_reason() {
    let live = LiveCarrier::default();
    live.set(LiveState {
        dialer: None,
        not_ready: "Twilio is not configured (missing: Auth token)".into(),
        default_from: "+14155550100".into(),
    });
    let request = DialRequest {
        dial_key: "k".into(),
        call_id: 1,
        campaign_id: 1,
        contact_id: 1,
        phone_e164: "+96550000001".into(),
        from_number: String::new(),
        agent_id: Some(1),
        variables: json!({}),
    };
    match live.dial(request).await {
        Err(DialError::Rejected(m)) => assert!(m.contains("Auth token"), "{m}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    let call = CallRef {
        call_id: 1,
        dial_key: "k".into(),
        provider_call_id: Some("CA1".into()),
    };
    assert!(matches!(
        live.reconcile(call).await,
        Err(DialError::Unavailable(_))
    ));
}

#[test]
fn start_problems_are_only_checked_once_installed() {
    let carriers = Carriers::default();
    assert_eq!(carriers.start_problem(Provider::Twilio, None, ""), None);
    assert_eq!(join_and(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    assert_eq!(join_and(&["a".into()]), "a");
}
