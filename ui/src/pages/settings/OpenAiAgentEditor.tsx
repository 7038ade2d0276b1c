// The profile editor of one OpenAI Realtime agent: model, voice, language, first message, turn detection, the
// organisation config (name, services, hours, policies, escalation contacts, intake schema as JSON), the
// escalation policy, a "Preview prompt" panel (what the model would be told, before anything is saved) and
// the prompt versions calls ran with.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../../api/error";
import { openaiApi, openaiKeys } from "../../api/openai";
import type { OpenaiProfile } from "../../api/types";
import { MODELS, VOICES, WEEKDAYS, dayToText, linesToList, parseSchema, textToDay } from "./openaiModel";

export function OpenAiAgentEditor({ agentId }: { agentId: number }) {
  const loaded = useQuery({ queryKey: openaiKeys.profile(agentId), queryFn: () => openaiApi.profile(agentId) });
  if (!loaded.data) return <p className="faint">Loading the profile…</p>;
  return <Editor agentId={agentId} initial={loaded.data.profile} stored={loaded.data.stored} />;
}

interface Draft {
  p: OpenaiProfile;
  services: string;
  policies: string;
  contacts: string;
  days: string[];
  schema: string;
}

function toDraft(p: OpenaiProfile): Draft {
  return {
    p,
    services: p.org.services.join("\n"),
    policies: p.org.policies.join("\n"),
    contacts: p.org.escalation_contacts.map((c) => [c.name, c.role, c.phone].join(" | ")).join("\n"),
    days: p.org.hours.window.days.map(dayToText),
    schema: JSON.stringify(p.org.intake_schema, null, 2),
  };
}

/** The profile the draft describes, or the first problem with it. */
function fromDraft(d: Draft): { profile?: OpenaiProfile; error?: string } {
  const schema = parseSchema(d.schema);
  if (schema.error) return { error: `Intake schema: ${schema.error}` };
  const days = d.days.map(textToDay);
  const bad = days.findIndex((x) => x.error);
  if (bad >= 0) return { error: `${WEEKDAYS[bad]}: ${days[bad].error}` };
  const contacts = linesToList(d.contacts).map((l) => {
    const [name = "", role = "", phone = ""] = l.split("|").map((s) => s.trim());
    return { name, role, phone };
  });
  return {
    profile: {
      ...d.p,
      org: {
        ...d.p.org,
        services: linesToList(d.services),
        policies: linesToList(d.policies),
        escalation_contacts: contacts,
        hours: { ...d.p.org.hours, window: { ...d.p.org.hours.window, days: days.map((x) => x.hours) } },
        intake_schema: schema.value ?? {},
      },
    },
  };
}

function Editor({ agentId, initial, stored }: { agentId: number; initial: OpenaiProfile; stored: boolean }) {
  const qc = useQueryClient();
  const [d, setD] = useState<Draft>(() => toDraft(initial));
  const built = fromDraft(d);
  const p = d.p;
  const setP = (next: Partial<OpenaiProfile>) => setD({ ...d, p: { ...p, ...next } });
  const setOrg = (next: Partial<OpenaiProfile["org"]>) => setP({ org: { ...p.org, ...next } });
  const save = useMutation({
    mutationFn: (profile: OpenaiProfile) => openaiApi.saveProfile(agentId, profile),
    onSuccess: (out) => qc.setQueryData(openaiKeys.profile(agentId), out),
  });
  const preview = useMutation({ mutationFn: (profile: OpenaiProfile) => openaiApi.preview(agentId, profile) });
  const versions = useQuery({ queryKey: openaiKeys.versions(agentId), queryFn: () => openaiApi.versions(agentId) });
  const serverError = save.error ? ApiError.from(save.error) : preview.error ? ApiError.from(preview.error) : null;
  const schemaError = parseSchema(d.schema).error;
  const td = p.turn_detection;

  return (
    <div className="openai-editor" data-testid="openai-editor">
      {!stored && <p className="callout callout-info">Not saved yet: these are the starting values.</p>}
      <div className="form-grid">
        <label>
          Model
          <select className="input" value={p.model} onChange={(e) => setP({ model: e.target.value })} data-testid="oa-model">
            {MODELS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          Voice
          <select className="input" value={p.voice} onChange={(e) => setP({ voice: e.target.value })} data-testid="oa-voice">
            {(VOICES.includes(p.voice) ? VOICES : [p.voice, ...VOICES]).map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </label>
        <label>
          Language
          <input className="input" value={p.language} onChange={(e) => setP({ language: e.target.value })} data-testid="oa-language" />
        </label>
        <label className="span-2">
          First message
          <input
            className="input"
            value={p.first_message}
            onChange={(e) => setP({ first_message: e.target.value })}
            data-testid="oa-first-message"
          />
        </label>
        <label>
          Turn detection
          <select
            className="input"
            value={td.type}
            onChange={(e) =>
              setP({
                turn_detection:
                  e.target.value === "semantic_vad"
                    ? { type: "semantic_vad", eagerness: "auto", create_response: true, interrupt_response: true }
                    : {
                        type: "server_vad",
                        threshold: 0.5,
                        prefix_padding_ms: 300,
                        silence_duration_ms: 500,
                        idle_timeout_ms: 8000,
                        create_response: true,
                        interrupt_response: true,
                      },
              })
            }
            data-testid="oa-turn"
          >
            <option value="server_vad">Server VAD (silence)</option>
            <option value="semantic_vad">Semantic VAD (meaning)</option>
          </select>
        </label>
        {td.type === "server_vad" ? (
          <>
            <label>
              Threshold (0–1)
              <input
                className="input"
                type="number"
                step="0.05"
                value={td.threshold}
                onChange={(e) => setP({ turn_detection: { ...td, threshold: Number(e.target.value) } })}
              />
            </label>
            <label>
              Silence (ms)
              <input
                className="input"
                type="number"
                value={td.silence_duration_ms}
                onChange={(e) => setP({ turn_detection: { ...td, silence_duration_ms: Number(e.target.value) } })}
              />
            </label>
            <label>
              Idle prompt after (ms)
              <input
                className="input"
                type="number"
                value={td.idle_timeout_ms ?? ""}
                onChange={(e) => setP({ turn_detection: { ...td, idle_timeout_ms: e.target.value ? Number(e.target.value) : null } })}
              />
            </label>
          </>
        ) : (
          <label>
            Eagerness
            <select
              className="input"
              value={td.eagerness}
              onChange={(e) => setP({ turn_detection: { ...td, eagerness: e.target.value as typeof td.eagerness } })}
            >
              {["low", "medium", "high", "auto"].map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
          </label>
        )}
      </div>

      <h4>Organisation</h4>
      <div className="form-grid">
        <label>
          Name
          <input className="input" value={p.org.name} onChange={(e) => setOrg({ name: e.target.value })} data-testid="oa-org-name" />
        </label>
        <label>
          Time zone
          <input
            className="input"
            value={p.org.hours.timezone}
            onChange={(e) => setOrg({ hours: { ...p.org.hours, timezone: e.target.value } })}
            data-testid="oa-tz"
          />
        </label>
        <label className="span-2">
          Services (one per line)
          <textarea className="input" rows={3} value={d.services} onChange={(e) => setD({ ...d, services: e.target.value })} data-testid="oa-services" />
        </label>
        <label className="span-2">
          Policies (one per line)
          <textarea className="input" rows={3} value={d.policies} onChange={(e) => setD({ ...d, policies: e.target.value })} data-testid="oa-policies" />
        </label>
        <label className="span-2">
          Escalation contacts (name | role | +E.164, one per line)
          <textarea className="input" rows={2} value={d.contacts} onChange={(e) => setD({ ...d, contacts: e.target.value })} data-testid="oa-contacts" />
        </label>
      </div>
      <fieldset className="hours-grid" data-testid="oa-hours">
        <legend>Opening hours (e.g. 09:00-17:00, empty = closed)</legend>
        {WEEKDAYS.map((day, i) => (
          <label key={day}>
            {day}
            <input
              className="input"
              value={d.days[i] ?? ""}
              onChange={(e) => setD({ ...d, days: d.days.map((x, j) => (j === i ? e.target.value : x)) })}
            />
          </label>
        ))}
      </fieldset>
      <label className="block">
        <span>
          Intake schema (JSON Schema, must have an <code>urgency</code> property)
        </span>
        <textarea
          className="input mono"
          rows={10}
          value={d.schema}
          onChange={(e) => setD({ ...d, schema: e.target.value })}
          aria-invalid={schemaError ? true : undefined}
          data-testid="oa-schema"
        />
      </label>
      {schemaError && (
        <div className="field-error" data-testid="oa-schema-error">
          {schemaError}
        </div>
      )}

      <h4>Escalation</h4>
      <div className="form-grid">
        <label>
          Transfer number
          <input
            className="input"
            value={p.escalation.transfer_to ?? ""}
            placeholder="+96550001234"
            onChange={(e) => setP({ escalation: { ...p.escalation, transfer_to: e.target.value || null } })}
            data-testid="oa-transfer-to"
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={p.escalation.transfer_on_escalation}
            onChange={(e) => setP({ escalation: { ...p.escalation, transfer_on_escalation: e.target.checked } })}
            data-testid="oa-transfer-on"
          />{" "}
          Transfer the call when the agent escalates
        </label>
      </div>

      {(built.error || serverError) && (
        <div className="callout callout-warning" role="alert" data-testid="oa-error">
          {built.error ?? (
            <>
              <span className="code-pill">{serverError?.code}</span> {serverError?.message}
              {serverError?.fields.map((f) => (
                <div key={f.field}>
                  <span className="mono">{f.field}</span>: {f.message}
                </div>
              ))}
            </>
          )}
        </div>
      )}
      <div className="row-inline">
        <button
          type="button"
          className="btn btn-primary btn-xs"
          disabled={!built.profile || save.isPending}
          onClick={() => built.profile && save.mutate(built.profile)}
          data-testid="oa-save"
        >
          {save.isPending ? "Saving…" : "Save profile"}
        </button>{" "}
        <button
          type="button"
          className="btn btn-secondary btn-xs"
          disabled={!built.profile || preview.isPending}
          onClick={() => built.profile && preview.mutate(built.profile)}
          data-testid="oa-preview"
        >
          Preview prompt
        </button>
        {save.isSuccess && !save.isPending && <span className="muted"> Saved.</span>}
      </div>
      {preview.data && (
        <div className="prompt-preview" data-testid="oa-preview-text">
          <div className="muted">
            Version {preview.data.version_id ?? "new (created when a call first uses it)"} ·{" "}
            <span className="mono">{preview.data.hash.slice(0, 12)}</span>
          </div>
          <pre className="pre-wrap mono">{preview.data.text}</pre>
        </div>
      )}
      <h4>Prompt versions</h4>
      <ul className="plain-list" data-testid="oa-versions">
        {(versions.data ?? []).length === 0 && <li className="faint">No call has used this agent yet.</li>}
        {(versions.data ?? []).map((v) => (
          <li key={v.id}>
            #{v.id} <span className="mono">{v.hash.slice(0, 12)}</span> · {new Date(v.created_at).toLocaleString()} · {v.calls} call
            {v.calls === 1 ? "" : "s"}
          </li>
        ))}
      </ul>
    </div>
  );
}
