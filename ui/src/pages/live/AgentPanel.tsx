// The AI agent side of a call in the drawer: the conversation phase, the structured intake the agent
// completed, the model's tool calls, what the Realtime session cost, and the supervisor's "Escalate now".
// Refetched when the call's phase changes (a `call_phase` event) and while the call is live.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { AgentState } from "../../api/types";
import { useUi } from "../../state/ui";

const PHASE_BADGE: Record<string, string> = {
  greeting: "badge-scheduled",
  intake: "badge-running",
  clarification: "badge-paused",
  escalation: "badge-escalation",
  completed: "badge-completed",
};

/** Micro-USD as dollars, precise enough for a single call. */
export function dollars(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(4)}`;
}

function PhaseChip({ phase }: { phase: string }) {
  return (
    <span className={`badge ${PHASE_BADGE[phase] ?? ""}`} data-testid="agent-phase" data-phase={phase}>
      <span className="badge-dot" aria-hidden="true" />
      {phase.charAt(0).toUpperCase() + phase.slice(1)}
    </span>
  );
}

function show(v: unknown): string {
  if (v == null) return "–";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Renders nothing for calls without an AI agent session. */
export function AgentPanel({ callId, live }: { callId: number; live: boolean }) {
  const qc = useQueryClient();
  const state = useQuery({
    queryKey: keys.callAgent(callId),
    queryFn: () => api.calls.agentState(callId),
    refetchInterval: live ? 5_000 : false,
  });
  const escalate = useMutation({
    mutationFn: () => api.calls.escalate(callId, "escalated from the call drawer"),
    onSuccess: (s: AgentState) => {
      qc.setQueryData(keys.callAgent(callId), s);
      useUi.getState().toast({ kind: "success", title: "Call escalated; it needs a person now" });
    },
  });
  const s = state.data;
  if (!s || (s.phase == null && !s.realtime && s.tool_calls.length === 0 && !s.intake)) return null;
  const err = escalate.error ? ApiError.from(escalate.error) : null;
  const last = s.phases[s.phases.length - 1];
  return (
    <section className="agent-panel" data-testid="agent-panel">
      <h3 className="drawer-section">AI agent</h3>
      <div className="agent-head">
        {s.phase && <PhaseChip phase={s.phase} />}
        {last && (
          <span className="muted" data-testid="agent-phase-reason">
            {last.reason}
            {last.source !== "agent" ? ` · by ${last.source}` : ""}
          </span>
        )}
        <button
          type="button"
          className="btn btn-danger btn-sm"
          disabled={!live || escalate.isPending || s.phase === "escalation"}
          title={!live ? "The call has ended" : s.phase === "escalation" ? "Already escalated" : undefined}
          onClick={() => escalate.mutate()}
          data-testid="escalate-now"
        >
          Escalate now
        </button>
      </div>
      {err && (
        <div className="form-alert" role="alert">
          <span className="code-pill">{err.code}</span>
          <span>{err.message}</span>
        </div>
      )}
      <h4 className="agent-sub">Intake</h4>
      {s.intake ? (
        <dl className="kv" data-testid="agent-intake">
          {Object.entries(s.intake.data).map(([k, v]) => (
            <div key={k} className="kv-row">
              <dt>{k.replace(/_/g, " ")}</dt>
              <dd>{show(v)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="faint">Not completed yet</p>
      )}
      <h4 className="agent-sub">Tool calls</h4>
      {s.tool_calls.length === 0 ? (
        <p className="faint">None</p>
      ) : (
        <ol className="agent-tools" data-testid="agent-tools">
          {s.tool_calls.map((t) => (
            <li key={t.tool_call_id} data-ok={t.ok}>
              <span className="mono">{t.name}</span>{" "}
              <span className={t.ok ? "muted" : "text-danger"}>{t.ok ? "ok" : "error"}</span>
              <div className="dd-sub mono agent-args">{t.arguments}</div>
            </li>
          ))}
        </ol>
      )}
      {s.realtime && (
        <dl className="kv">
          <dt>Cost</dt>
          <dd className="tabular" data-testid="agent-cost">
            {dollars(s.realtime.cost_micros)}
          </dd>
          <dt>Model</dt>
          <dd>
            {s.realtime.model}
            {s.realtime.prompt_version != null && <span className="muted"> · prompt v{s.realtime.prompt_version}</span>}
          </dd>
          {s.realtime.ended_reason && (
            <>
              <dt>Ended</dt>
              <dd>{s.realtime.ended_reason}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
