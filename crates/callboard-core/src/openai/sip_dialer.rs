//! The console's hold on Realtime SIP calls: a `Dialer` for provider `openai-sip` in `CallControls`, so
//! `call.hang_up` ends a SIP call through `POST /v1/realtime/calls/{id}/hangup` and `call.transfer` refers it
//! (`/refer`, `tel:` URI). It never places calls: SIP calls come in.

use std::sync::{Arc, Weak};

use futures_util::future::BoxFuture;

use super::rest::CallsClient;
use crate::{
    app::App,
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, dialer::Capabilities},
};

pub struct SipDialer {
    // Weak: the app owns the controls that own this dialer.
    app: Weak<App>,
}

/// Adds the SIP dialer to the controls' map (launch does; tests that serve without launch too).
pub fn add_to(app: &Arc<App>, controls: &mut std::collections::HashMap<String, Arc<dyn Dialer>>) {
    controls.insert(
        super::sip::CALL_PROVIDER.to_owned(),
        Arc::new(SipDialer::new(app)),
    );
}

impl SipDialer {
    pub fn new(app: &Arc<App>) -> SipDialer {
        SipDialer {
            app: Arc::downgrade(app),
        }
    }
}

async fn client(app: Weak<App>) -> Result<CallsClient, DialError> {
    let app = app
        .upgrade()
        .ok_or_else(|| DialError::Unavailable("shutting down".into()))?;
    let credentials = app.credentials();
    let creds = tokio::task::spawn_blocking(move || credentials.openai())
        .await
        .map_err(|e| DialError::Unavailable(e.to_string()))?
        .map_err(|e| DialError::Unavailable(e.to_string()))?;
    let key = creds
        .api_key
        .ok_or_else(|| DialError::Rejected("no OpenAI API key is set".into()))?;
    Ok(CallsClient::new(&creds.base_url, key))
}

fn call_id(call: &CallRef) -> Result<String, DialError> {
    call.provider_call_id
        .clone()
        .ok_or_else(|| DialError::Rejected("the call has no OpenAI call id".into()))
}

impl Dialer for SipDialer {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hang_up: true,
            whisper: false,
            transfer: true,
        }
    }

    fn dial(&self, _request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        Box::pin(async {
            Err(DialError::Unsupported(
                "Realtime SIP calls are inbound only".into(),
            ))
        })
    }

    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        let app = self.app.clone();
        Box::pin(async move {
            let id = call_id(&call)?;
            client(app).await?.hangup(&id).await.map_err(|e| e.into_dial())
        })
    }

    fn reconcile(&self, _call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        Box::pin(async {
            Err(DialError::Unsupported(
                "Realtime SIP calls are not reconciled".into(),
            ))
        })
    }

    fn transfer(&self, call: CallRef, to_number: String) -> BoxFuture<'static, Result<(), DialError>> {
        let app = self.app.clone();
        Box::pin(async move {
            let id = call_id(&call)?;
            client(app)
                .await?
                .refer(&id, &format!("tel:{to_number}"))
                .await
                .map_err(|e| e.into_dial())
        })
    }
}
