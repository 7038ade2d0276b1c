//! One method per ElevenLabs endpoint Callboard uses, on top of [`Client`]: batch calling, single outbound
//! calls (Twilio and SIP trunk), conversations and their audio, signed URLs, agents, phone numbers,
//! workspace webhooks and ConvAI settings. Paginated lists have a one-page method and an all-pages one.

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    client::{Client, Repeat, Result, body},
    types::*,
};

/// Most pages an all-pages listing follows (a broken cursor must not loop forever).
const MAX_PAGES: usize = 100;

fn seg(id: &str) -> String {
    // Ids are opaque; keep them to one path segment.
    id.replace(['/', '?', '#'], "_")
}

impl Client {
    /// Submits a batch. Only repeated on 429: after any other failure, look for the batch (by name) first.
    pub async fn submit_batch(&self, req: &BatchSubmit) -> Result<Batch> {
        self.json(
            Method::POST,
            "/v1/convai/batch-calling/submit",
            &[],
            Some(&body(req)),
            Repeat::OnlyThrottled,
        )
        .await
    }

    pub async fn get_batch(&self, batch_id: &str) -> Result<Batch> {
        let path = format!("/v1/convai/batch-calling/{}", seg(batch_id));
        self.json(Method::GET, &path, &[], None, Repeat::Safe).await
    }

    /// One page of the workspace's batches (newest first), after `last_doc`.
    pub async fn list_batches(
        &self,
        agent_id: Option<&str>,
        last_doc: Option<&str>,
        limit: u32,
    ) -> Result<BatchPage> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(d) = last_doc {
            q.push(("last_doc", d.to_owned()));
        }
        if let Some(a) = agent_id {
            q.push(("agent_id", a.to_owned()));
        }
        self.json(
            Method::GET,
            "/v1/convai/batch-calling/workspace",
            &q,
            None,
            Repeat::Safe,
        )
        .await
    }

    /// Every batch, following `next_doc` while `has_more`.
    pub async fn list_all_batches(&self, agent_id: Option<&str>) -> Result<Vec<Batch>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self.list_batches(agent_id, cursor.as_deref(), 100).await?;
            out.extend(page.batch_calls);
            match page.next_doc.filter(|_| page.has_more) {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(out)
    }

    /// The batch called `name` (newest first, stopping at the first match): how a submission whose reply was
    /// lost is found again.
    pub async fn find_batch_by_name(&self, agent_id: Option<&str>, name: &str) -> Result<Option<Batch>> {
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self.list_batches(agent_id, cursor.as_deref(), 100).await?;
            if let Some(found) = page.batch_calls.iter().find(|b| b.name == name) {
                return Ok(Some(found.clone()));
            }
            match page.next_doc.filter(|_| page.has_more) {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(None)
    }

    pub async fn cancel_batch(&self, batch_id: &str) -> Result<Batch> {
        let path = format!("/v1/convai/batch-calling/{}/cancel", seg(batch_id));
        self.json(Method::POST, &path, &[], None, Repeat::Safe).await
    }

    /// ElevenLabs' own retry: calls the batch's failed and no-response recipients again.
    pub async fn retry_batch(&self, batch_id: &str) -> Result<Batch> {
        let path = format!("/v1/convai/batch-calling/{}/retry", seg(batch_id));
        self.json(Method::POST, &path, &[], None, Repeat::OnlyThrottled)
            .await
    }

    /// The batch's recipients and results as CSV text.
    pub async fn export_batch(&self, batch_id: &str) -> Result<String> {
        let path = format!("/v1/convai/batch-calling/{}/export", seg(batch_id));
        let bytes = self.send(Method::GET, &path, &[], None, Repeat::Safe).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn twilio_outbound_call(&self, req: &OutboundCall) -> Result<OutboundCallResponse> {
        self.json(
            Method::POST,
            "/v1/convai/twilio/outbound-call",
            &[],
            Some(&body(req)),
            Repeat::OnlyThrottled,
        )
        .await
    }

    /// The SIP endpoint takes the Twilio body without `call_recording_enabled`.
    pub async fn sip_outbound_call(&self, req: &OutboundCall) -> Result<OutboundCallResponse> {
        let req = OutboundCall {
            call_recording_enabled: None,
            ..req.clone()
        };
        self.json(
            Method::POST,
            "/v1/convai/sip-trunk/outbound-call",
            &[],
            Some(&body(&req)),
            Repeat::OnlyThrottled,
        )
        .await
    }

    /// The whole conversation record (the post-call webhook's `data` shape).
    pub async fn get_conversation(&self, conversation_id: &str) -> Result<Value> {
        let path = format!("/v1/convai/conversations/{}", seg(conversation_id));
        self.json(Method::GET, &path, &[], None, Repeat::Safe).await
    }

    /// The recording (MP3).
    pub async fn get_conversation_audio(&self, conversation_id: &str) -> Result<Vec<u8>> {
        let path = format!("/v1/convai/conversations/{}/audio", seg(conversation_id));
        self.send(Method::GET, &path, &[], None, Repeat::Safe).await
    }

    /// One page of conversations, optionally of one agent and started after a time.
    pub async fn list_conversations(
        &self,
        agent_id: Option<&str>,
        call_start_after_unix: Option<i64>,
        cursor: Option<&str>,
        page_size: u32,
    ) -> Result<ConversationPage> {
        let mut q = vec![("page_size", page_size.to_string())];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        if let Some(a) = agent_id {
            q.push(("agent_id", a.to_owned()));
        }
        if let Some(t) = call_start_after_unix {
            q.push(("call_start_after_unix", t.to_string()));
        }
        self.json(Method::GET, "/v1/convai/conversations", &q, None, Repeat::Safe)
            .await
    }

    pub async fn get_signed_url(&self, agent_id: &str) -> Result<SignedUrl> {
        self.json(
            Method::GET,
            "/v1/convai/conversation/get-signed-url",
            &[("agent_id", agent_id.to_owned())],
            None,
            Repeat::Safe,
        )
        .await
    }

    /// Every agent in the workspace, following `next_cursor`.
    pub async fn list_agents(&self) -> Result<Vec<AgentSummary>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut q = vec![("page_size", "100".to_owned())];
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page: AgentPage = self
                .json(Method::GET, "/v1/convai/agents", &q, None, Repeat::Safe)
                .await?;
            out.extend(page.agents);
            match page.next_cursor.filter(|_| page.has_more) {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(out)
    }

    pub async fn list_phone_numbers(&self) -> Result<Vec<PhoneNumber>> {
        self.json(Method::GET, "/v1/convai/phone-numbers", &[], None, Repeat::Safe)
            .await
    }

    /// Creates an HMAC workspace webhook; the answer holds its secret, which is never shown again.
    pub async fn create_webhook(&self, name: &str, url: &str) -> Result<WebhookCreated> {
        let req = WebhookCreate {
            settings: WebhookSettings {
                auth_type: "hmac".into(),
                name: name.into(),
                webhook_url: url.into(),
            },
        };
        self.json(
            Method::POST,
            "/v1/workspace/webhooks",
            &[],
            Some(&body(&req)),
            Repeat::OnlyThrottled,
        )
        .await
    }

    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>> {
        let list: WebhookList = self
            .json(
                Method::GET,
                "/v1/workspace/webhooks",
                &[("include_usages", "false".to_owned())],
                None,
                Repeat::Safe,
            )
            .await?;
        Ok(list.webhooks)
    }

    pub async fn update_webhook(&self, webhook_id: &str, update: &WebhookUpdate) -> Result<Value> {
        let path = format!("/v1/workspace/webhooks/{}", seg(webhook_id));
        self.json(Method::PATCH, &path, &[], Some(&body(update)), Repeat::Safe)
            .await
    }

    /// Workspace-wide post-call webhook settings (`PATCH /v1/convai/settings`).
    pub async fn patch_convai_settings(&self, webhooks: &ConvaiWebhooks) -> Result<Value> {
        let b = json!({ "webhooks": body(webhooks) });
        self.json(Method::PATCH, "/v1/convai/settings", &[], Some(&b), Repeat::Safe)
            .await
    }

    /// One agent's override of the workspace webhook settings.
    pub async fn patch_agent_webhooks(&self, agent_id: &str, webhooks: &ConvaiWebhooks) -> Result<Value> {
        let path = format!("/v1/convai/agents/{}", seg(agent_id));
        let b = json!({ "platform_settings": { "workspace_overrides": { "webhooks": body(webhooks) } } });
        self.json(Method::PATCH, &path, &[], Some(&b), Repeat::Safe).await
    }
}
