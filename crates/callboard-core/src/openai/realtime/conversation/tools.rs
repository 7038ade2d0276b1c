//! The model's tools (`escalate_to_human`, `complete_intake`, `end_call`), each answered with a
//! `function_call_output` and, once the running response is done, a `response.create`, and shown on the
//! link (`AgentEvent::ToolDone`); the safety rules on each contact turn; and winding the session down before
//! OpenAI's 60-minute cap. In a console test conversation the arguments are checked as on a call (the
//! intake against the org's schema) but nothing is stored, nobody is alerted and nobody is transferred.

use serde_json::{Value, json};

use super::{Conversation, Kind};
use crate::{
    media::agent::AgentEvent,
    openai::realtime::{
        actions,
        intake::intake_data,
        phase::{Phase, Signal},
        session_config::{TOOL_END, TOOL_ESCALATE, TOOL_INTAKE},
    },
    store::call_tool_calls::ToolCall,
};

/// What the model is told when a tool would have reached a person or the store on a real call.
const TEST_NOTE: &str = "This is a test conversation from the console: nothing was carried out.";

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
            if self.kind == Kind::Test {
                if finding.escalates() {
                    self.phase = Phase::Escalation;
                    self.outbox.push(json!({"type": "conversation.item.create", "item": {"type": "message",
                        "role": "system", "content": [{"type": "input_text",
                        "text": format!("Safety rule: {why}. On a real call it would now be escalated. {TEST_NOTE} Tell the caller what you would say on a real call, briefly and calmly.")}]}}));
                    self.request_response(json!({"type": "response.create"}));
                }
                continue;
            }
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
        let parsed = serde_json::from_str::<Value>(&arguments);
        let (ok, output) = match &parsed {
            Err(e) => (
                false,
                json!({"error": format!("the arguments are not valid JSON ({e}); call {name} again with a JSON object")}),
            ),
            Ok(args) => self.run_tool(&call_id, &name, args).await,
        };
        let output = output.to_string();
        self.emit(AgentEvent::ToolDone {
            id: call_id.clone(),
            name: name.clone(),
            parameters: parsed.unwrap_or_else(|_| Value::String(arguments.clone())),
            ok,
            output: output.clone(),
        })
        .await;
        if self.records() {
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
        }
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

    async fn run_tool(&mut self, call_id: &str, name: &str, args: &Value) -> (bool, Value) {
        match name {
            TOOL_ESCALATE => {
                let reason = args["reason"].as_str().unwrap_or("the agent escalated the call");
                let urgency = args["urgency"]
                    .as_str()
                    .filter(|u| crate::openai::profile::URGENCY_LEVELS.contains(u))
                    .unwrap_or("normal");
                self.phase = Phase::Escalation;
                if !self.records() {
                    return (
                        true,
                        json!({"ok": true, "transferring": false, "message": TEST_NOTE}),
                    );
                }
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
                if !self.records() {
                    return (
                        true,
                        json!({"ok": true, "message": format!("The intake is valid. {TEST_NOTE}")}),
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
                self.end_pending = Some((reason, call_id.to_owned()));
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
            .filter(|_| !self.transferred && self.records())
        {
            match actions::transfer(&self.app, &self.call, number).await {
                Ok(()) => {
                    self.transferred = true;
                    return;
                }
                Err(e) => tracing::warn!(call_id, error = %e, "transfer at the time limit failed"),
            }
        }
        self.end_pending = Some((
            "the session reached its time limit".into(),
            "cb-time-limit".into(),
        ));
        self.request_response(json!({"type": "response.create", "response": {
            "instructions": "The call has reached its time limit. Apologise briefly and say goodbye."}}));
    }
}
