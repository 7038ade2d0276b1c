//! The model's tools (`escalate_to_human`, `complete_intake`, `end_call`), each answered with a
//! `function_call_output` and, once the running response is done, a `response.create`; the safety rules
//! on each contact turn; and winding the session down before OpenAI's 60-minute cap.

use serde_json::{Value, json};

use super::Conversation;
use crate::{
    openai::realtime::{
        actions,
        intake::intake_data,
        phase::{Phase, Signal},
        session_config::{TOOL_END, TOOL_ESCALATE, TOOL_INTAKE},
    },
    store::call_tool_calls::ToolCall,
};

impl Conversation {
    /// The profile's policy, without the transfer once one was started.
    fn escalation_policy(&self) -> crate::openai::realtime::EscalationPolicy {
        if self.transferred {
            crate::openai::realtime::EscalationPolicy::default()
        } else {
            self.setup.escalation.clone()
        }
    }

    pub(super) async fn apply_rules(&mut self, said: &str) {
        for finding in self.rules.assess(&mut self.rules_state, said) {
            let why = finding.describe();
            if !finding.escalates() {
                actions::flag(&self.app, &self.call, &why).await;
                continue;
            }
            self.phase = Phase::Escalation;
            let (transferring, line) = actions::escalate(
                &self.app,
                &self.call,
                &self.escalation_policy(),
                &why,
                finding.urgency(),
                "rule",
            )
            .await;
            self.transferred |= transferring;
            self.outbox.push(json!({"type": "conversation.item.create", "item": {"type": "message",
                "role": "system", "content": [{"type": "input_text",
                "text": format!("Safety rule: {why}. The call has been escalated. {line} Tell the caller so, briefly and calmly.")}]}}));
            self.request_response(json!({"type": "response.create"}));
        }
    }

    pub(super) async fn tool(&mut self, call_id: String, name: String, arguments: String) {
        if call_id.is_empty() || !self.handled.insert(call_id.clone()) {
            return;
        }
        let (ok, output) = match serde_json::from_str::<Value>(&arguments) {
            Err(e) => (
                false,
                json!({"error": format!("the arguments are not valid JSON ({e}); call {name} again with a JSON object")}),
            ),
            Ok(args) => self.run_tool(&name, &args).await,
        };
        let output = output.to_string();
        actions::record_tool(
            &self.app,
            self.call.call_id,
            ToolCall {
                tool_call_id: call_id.clone(),
                name: name.clone(),
                arguments,
                ok,
                output: output.clone(),
                at: crate::clock::to_db(self.app.clock.now()),
            },
        )
        .await;
        self.outbox
            .push(json!({"type": "conversation.item.create", "item": {
            "type": "function_call_output", "call_id": call_id, "output": output}}));
        if name == TOOL_END && ok {
            if !self.response_had_audio {
                self.request_response(json!({"type": "response.create", "response": {
                    "instructions": "Say a short, friendly goodbye now. The call ends after it."}}));
            }
            return;
        }
        self.request_response(json!({"type": "response.create"}));
    }

    async fn run_tool(&mut self, name: &str, args: &Value) -> (bool, Value) {
        match name {
            TOOL_ESCALATE => {
                let reason = args["reason"].as_str().unwrap_or("the agent escalated the call");
                let urgency = args["urgency"]
                    .as_str()
                    .filter(|u| crate::openai::profile::URGENCY_LEVELS.contains(u))
                    .unwrap_or("normal");
                self.phase = Phase::Escalation;
                let (transferring, line) = actions::escalate(
                    &self.app,
                    &self.call,
                    &self.escalation_policy(),
                    reason,
                    urgency,
                    "agent",
                )
                .await;
                self.transferred |= transferring;
                (
                    true,
                    json!({"ok": true, "transferring": transferring, "message": line}),
                )
            }
            TOOL_INTAKE => {
                let data = intake_data(args).clone();
                if !data.is_object() {
                    return (
                        false,
                        json!({"error": "data must be a JSON object with the intake fields"}),
                    );
                }
                if let Some(schema) = &self.schema
                    && let Err(problems) = schema.validate(&data)
                {
                    self.move_phase(Signal::NeedsClarification, "the intake did not validate", "agent")
                        .await;
                    return (
                        false,
                        json!({"error": "the intake does not match the schema; fix these and call complete_intake again", "problems": problems}),
                    );
                }
                if !actions::store_intake(&self.app, self.call.call_id, data).await {
                    return (
                        false,
                        json!({"error": "the intake could not be saved; try again"}),
                    );
                }
                self.move_phase(Signal::Completed, "the intake is complete", "agent")
                    .await;
                (true, json!({"ok": true, "message": "Intake saved."}))
            }
            TOOL_END => {
                let reason = args["reason"]
                    .as_str()
                    .unwrap_or("the agent ended the call")
                    .to_owned();
                self.move_phase(Signal::Completed, &reason, "agent").await;
                self.end_pending = Some(reason);
                (
                    true,
                    json!({"ok": true, "message": "The call ends after your goodbye has played."}),
                )
            }
            other => (false, json!({"error": format!("unknown tool '{other}'")})),
        }
    }

    /// The session nears OpenAI's cap: transfer when the policy says so, else say goodbye and end.
    pub(super) async fn wind_down(&mut self) {
        let call_id = self.call.call_id;
        tracing::info!(call_id, "Realtime session near its time limit");
        if let Some(number) = self
            .setup
            .escalation
            .transfer_number()
            .filter(|_| !self.transferred)
        {
            match actions::transfer(&self.app, &self.call, number).await {
                Ok(()) => {
                    self.transferred = true;
                    return;
                }
                Err(e) => tracing::warn!(call_id, error = %e, "transfer at the time limit failed"),
            }
        }
        self.end_pending = Some("the session reached its time limit".into());
        self.request_response(json!({"type": "response.create", "response": {
            "instructions": "The call has reached its time limit. Apologise briefly and say goodbye."}}));
    }
}
