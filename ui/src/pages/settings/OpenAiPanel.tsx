// Settings → Providers → OpenAI Realtime: which agent answers Realtime SIP calls and how many at once, the
// model prices (USD per 1M tokens), and the OpenAI Realtime agents with their profile editor. The API key and
// webhook secret are set under Providers (keys) above.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { openaiApi, openaiKeys } from "../../api/openai";
import type { ModelPrices, OpenaiPrices, OpenaiSip } from "../../api/types";
import { OpenAiAgentEditor } from "./OpenAiAgentEditor";
import "../../styles/openai.css";

const PRICE_FIELDS: [keyof ModelPrices, string][] = [
  ["text_input", "Text in"],
  ["text_cached_input", "Text cached"],
  ["text_output", "Text out"],
  ["audio_input", "Audio in"],
  ["audio_cached_input", "Audio cached"],
  ["audio_output", "Audio out"],
];

export function OpenAiPanel() {
  const qc = useQueryClient();
  const agents = useQuery({ queryKey: keys.agents, queryFn: api.agents.list });
  const realtime = (agents.data ?? []).filter((a) => a.provider === "openai-realtime");
  const [editing, setEditing] = useState<number | null>(null);
  const [newName, setNewName] = useState("");
  const create = useMutation({
    mutationFn: () => api.agents.create({ name: newName, provider: "openai-realtime" }),
    onSuccess: (a) => {
      setNewName("");
      setEditing(a.id);
      void qc.invalidateQueries({ queryKey: keys.agents });
    },
  });
  const createError = create.error ? ApiError.from(create.error) : null;
  return (
    <section className="card settings-card" data-testid="openai-panel">
      <header className="settings-head">
        <h2>OpenAI Realtime</h2>
        <p className="muted">
          Speech-to-speech agents with an organisation's rules, structured intake and escalation, and calls arriving through
          OpenAI's Realtime SIP (webhook <span className="mono">/webhooks/openai</span>). The API key and the webhook secret
          (<span className="mono">whsec_…</span>) are set under Providers above.
        </p>
      </header>
      <SipForm agents={realtime.map((a) => ({ id: a.id, name: a.name }))} />
      <div className="openai-body">
      <PricesForm />
      <h3 className="settings-sub">Agents</h3>
      <ul className="plain-list" data-testid="openai-agents">
        {realtime.length === 0 && <li className="faint">No OpenAI Realtime agents yet.</li>}
        {realtime.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              className={`btn btn-xs ${editing === a.id ? "btn-primary" : "btn-ghost"}`}
              onClick={() => setEditing(editing === a.id ? null : a.id)}
              data-testid={`openai-agent-${a.id}`}
            >
              {a.name}
            </button>
          </li>
        ))}
      </ul>
      <div className="row-inline">
        <input
          className="input"
          placeholder="New agent name"
          value={newName}
          onChange={(e) => setNewName(e.target.value)}
          data-testid="openai-new-name"
        />{" "}
        <button
          type="button"
          className="btn btn-secondary btn-xs"
          disabled={!newName.trim() || create.isPending}
          onClick={() => create.mutate()}
          data-testid="openai-new"
        >
          Add agent
        </button>
        {createError && <span className="field-error">{createError.message}</span>}
      </div>
      {editing !== null && <OpenAiAgentEditor key={editing} agentId={editing} />}
      </div>
    </section>
  );
}

function SipForm({ agents }: { agents: { id: number; name: string }[] }) {
  const qc = useQueryClient();
  const sip = useQuery({ queryKey: openaiKeys.sip, queryFn: openaiApi.sip });
  const save = useMutation({
    mutationFn: (s: OpenaiSip) => openaiApi.saveSip(s),
    onSuccess: (s) => qc.setQueryData(openaiKeys.sip, s),
  });
  const s = sip.data;
  const err = save.error ? ApiError.from(save.error) : null;
  if (!s) return null;
  return (
    <dl className="kv kv-settings" data-testid="openai-sip">
      <dt>Answers SIP calls</dt>
      <dd>
        <select
          className="input"
          value={s.agent_id ?? ""}
          onChange={(e) => save.mutate({ ...s, agent_id: e.target.value ? Number(e.target.value) : null })}
          data-testid="openai-sip-agent"
        >
          <option value="">Nobody (reject every call)</option>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </dd>
      <dt>At once</dt>
      <dd>
        <input
          className="input input-narrow"
          type="number"
          min={1}
          max={500}
          defaultValue={s.max_concurrent}
          onBlur={(e) => save.mutate({ ...s, max_concurrent: Number(e.target.value) })}
          data-testid="openai-sip-max"
        />{" "}
        <span className="field-hint">more SIP calls are rejected as busy (486)</span>
      </dd>
      <dt>Outside hours</dt>
      <dd>
        <label>
          <input
            type="checkbox"
            checked={!s.reject_outside_hours}
            onChange={(e) => save.mutate({ ...s, reject_outside_hours: !e.target.checked })}
            data-testid="openai-sip-refer"
          />{" "}
          Transfer to the agent's escalation number instead of rejecting
        </label>
        {err && <div className="field-error">{err.message}</div>}
      </dd>
    </dl>
  );
}

function PricesForm() {
  const qc = useQueryClient();
  const prices = useQuery({ queryKey: openaiKeys.prices, queryFn: openaiApi.prices });
  const [draft, setDraft] = useState<OpenaiPrices | null>(null);
  const save = useMutation({
    mutationFn: (p: OpenaiPrices) => openaiApi.savePrices(p),
    onSuccess: (p) => {
      qc.setQueryData(openaiKeys.prices, p);
      setDraft(null);
    },
  });
  const p = draft ?? prices.data;
  const err = save.error ? ApiError.from(save.error) : null;
  if (!p) return null;
  const set = (model: string, field: keyof ModelPrices, v: string) =>
    setDraft({ ...p, models: { ...p.models, [model]: { ...p.models[model], [field]: Number(v) } } });
  return (
    <div data-testid="openai-prices">
      <h3 className="settings-sub">Prices (USD per 1M tokens)</h3>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Model</th>
            {PRICE_FIELDS.map(([, label]) => (
              <th key={label}>{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Object.entries(p.models).map(([model, m]) => (
            <tr key={model}>
              <td className="mono">{model}</td>
              {PRICE_FIELDS.map(([field]) => (
                <td key={field}>
                  <input
                    className="input input-narrow"
                    type="number"
                    step="0.01"
                    min={0}
                    value={m[field]}
                    onChange={(e) => set(model, field, e.target.value)}
                    aria-label={`${model} ${field}`}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field-hint">
        Input transcription billed in tokens (gpt-4o-transcribe, gpt-4o-mini-transcribe) is priced from its model&apos;s row: input as text and
        audio input, output as text output. gpt-realtime-whisper is billed per minute.
      </p>
      <p className="field-hint">Source: {p.source}</p>
      {draft && (
        <button type="button" className="btn btn-primary btn-xs" onClick={() => save.mutate(draft)} data-testid="openai-prices-save">
          Save prices
        </button>
      )}
      {err && <div className="field-error">{err.message}</div>}
    </div>
  );
}
