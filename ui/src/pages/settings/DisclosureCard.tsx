// Settings → Recording disclosure: what each agent says about the recording before anything else. Simulated,
// Talk and OpenAI Realtime calls open with it; an ElevenLabs agent says its own first message, so the text
// belongs there too. Every call's drawer then tells whether the opening said it.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { Agent } from "../../api/types";
import { AGENT_PROVIDER_LABELS } from "../../lib/labels";

function AgentDisclosure({ agent }: { agent: Agent }) {
  const qc = useQueryClient();
  const [text, setText] = useState(agent.disclosure);
  const [error, setError] = useState<ApiError | null>(null);
  const save = useMutation({
    mutationFn: () => api.agents.setDisclosure(agent.id, text),
    meta: { inlineErrors: true },
    onMutate: () => setError(null),
    onSuccess: (a) => {
      setText(a.disclosure);
      void qc.invalidateQueries({ queryKey: keys.agents });
    },
    onError: (e) => setError(ApiError.from(e)),
  });
  const changed = text.trim() !== agent.disclosure;
  const inputId = `disclosure-${agent.id}`;
  return (
    <li className="disclosure-agent" data-testid="disclosure-agent" data-agent-id={agent.id}>
      <label htmlFor={inputId}>
        <strong>{agent.name}</strong> <span className="faint">{AGENT_PROVIDER_LABELS[agent.provider] ?? agent.provider}</span>
      </label>
      <div className="disclosure-row">
        <input
          id={inputId}
          className="input"
          value={text}
          maxLength={1000}
          placeholder="None: e.g. This call may be recorded for quality purposes."
          onChange={(e) => setText(e.target.value)}
          data-testid="disclosure-input"
        />
        <button type="button" className="btn btn-secondary btn-sm" disabled={!changed || save.isPending} onClick={() => save.mutate()} data-testid="disclosure-save">
          {save.isPending ? "Saving…" : "Save"}
        </button>
      </div>
      {agent.provider === "elevenlabs" && <p className="field-hint">ElevenLabs says its agent’s own first message: put the disclosure there as well.</p>}
      {error && (
        <p className="field-error" role="alert" data-testid="disclosure-error">
          {error.message}
        </p>
      )}
    </li>
  );
}

export function DisclosureCard() {
  const agents = useQuery({ queryKey: keys.agents, queryFn: api.agents.list });
  return (
    <section className="card settings-card" data-testid="disclosure-card">
      <header className="settings-head">
        <h2>Recording disclosure</h2>
        <p className="muted">
          What each agent says about the recording before anything else. Every call’s drawer shows whether the agent’s opening lines said
          it.
        </p>
      </header>
      <div className="settings-body">
        {agents.isLoading && <span className="skeleton-text" aria-label="Loading" />}
        {agents.data && agents.data.length === 0 && <p className="faint">No agents yet.</p>}
        <ul className="disclosure-agents">
          {agents.data?.map((a) => <AgentDisclosure key={`${a.id}:${a.updated_at}`} agent={a} />)}
        </ul>
      </div>
    </section>
  );
}
