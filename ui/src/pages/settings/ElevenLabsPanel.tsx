// Settings → Providers → ElevenLabs: key status and region, a connection test, the agents and phone numbers the
// key can see, and the post-call webhook (register with consent, status, one-click re-enable).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { elKeys, elevenlabs, webhookHealth } from "../../api/elevenlabs";
import { ApiError } from "../../api/error";

export function ElevenLabsPanel() {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: elKeys.status, queryFn: elevenlabs.status });
  const configured = status.data?.configured ?? false;
  const agents = useQuery({ queryKey: elKeys.agents, queryFn: elevenlabs.agents, enabled: configured });
  const numbers = useQuery({ queryKey: elKeys.phoneNumbers, queryFn: elevenlabs.phoneNumbers, enabled: configured });
  const test = useMutation({ mutationFn: elevenlabs.test });
  const [consent, setConsent] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const refresh = () => qc.invalidateQueries({ queryKey: elKeys.status });
  const register = useMutation({ mutationFn: () => elevenlabs.registerWebhook(chosen), onSuccess: refresh });
  const check = useMutation({ mutationFn: elevenlabs.webhookStatus, onSuccess: refresh });
  const enable = useMutation({ mutationFn: elevenlabs.enableWebhook, onSuccess: refresh });
  const s = status.data;
  const health = webhookHealth(s?.webhook ?? null);
  const err = (e: unknown) => (e ? ApiError.from(e) : null);
  const firstError = err(status.error) ?? err(test.error) ?? err(register.error) ?? err(check.error) ?? err(enable.error);

  return (
    <section className="card settings-card" data-testid="elevenlabs-panel">
      <header className="settings-head">
        <h2>ElevenLabs</h2>
        <p className="muted">Agents Platform: engine-paced single calls or batch calling, and post-call webhooks.</p>
      </header>
      {firstError && (
        <div className="callout callout-warning" role="alert" data-testid="elevenlabs-error">
          <span className="code-pill">{firstError.code}</span> {firstError.message}
        </div>
      )}
      <dl className="kv kv-settings">
        <dt>API key</dt>
        <dd data-testid="elevenlabs-key">
          {s ? (
            configured ? (
              "Set"
            ) : (
              <span className="faint">
                Not set — set <code>CALLBOARD_ELEVENLABS_API_KEY</code>
              </span>
            )
          ) : null}
        </dd>
        <dt>Region</dt>
        <dd data-testid="elevenlabs-region">
          {s ? (
            <>
              {s.region} <span className="mono muted">{s.base_url}</span>
            </>
          ) : null}
        </dd>
        <dt>Connection</dt>
        <dd>
          <button
            className="btn btn-ghost btn-xs"
            disabled={!configured || test.isPending}
            onClick={() => test.mutate()}
            data-testid="elevenlabs-test"
          >
            {test.isPending ? "Testing…" : "Test connection"}
          </button>{" "}
          {test.data && (
            <span data-testid="elevenlabs-test-result">
              OK · {test.data.agents} agents · {test.data.phone_numbers} phone numbers
            </span>
          )}
        </dd>
        <dt>Agents</dt>
        <dd data-testid="elevenlabs-agents">
          {(agents.data ?? []).length === 0 ? (
            <span className="faint">None</span>
          ) : (
            (agents.data ?? []).map((a) => (
              <label key={a.agent_id} className="block">
                <input
                  type="checkbox"
                  checked={chosen.includes(a.agent_id)}
                  onChange={(e) =>
                    setChosen((c) => (e.target.checked ? [...c, a.agent_id] : c.filter((x) => x !== a.agent_id)))
                  }
                />{" "}
                {a.name} <span className="mono faint">{a.agent_id}</span>
              </label>
            ))
          )}
        </dd>
        <dt>Phone numbers</dt>
        <dd data-testid="elevenlabs-numbers">
          {(numbers.data ?? []).length === 0 ? (
            <span className="faint">None</span>
          ) : (
            (numbers.data ?? []).map((n) => (
              <div key={n.phone_number_id}>
                <span className="mono">{n.phone_number}</span> {n.label} <span className="faint">· {n.provider ?? "?"}</span>
              </div>
            ))
          )}
        </dd>
        <dt>Webhook</dt>
        <dd data-testid="elevenlabs-webhook" data-tone={health.tone}>
          {health.text}
          {s?.webhook && <div className="mono faint">{s.webhook.url}</div>}
          <div>
            {s?.webhook && (
              <button className="btn btn-ghost btn-xs" onClick={() => check.mutate()} data-testid="elevenlabs-webhook-check">
                Check now
              </button>
            )}{" "}
            {s?.webhook && (s.webhook.auto_disabled || s.webhook.disabled) && (
              <button className="btn btn-primary btn-xs" onClick={() => enable.mutate()} data-testid="elevenlabs-webhook-enable">
                Re-enable
              </button>
            )}
          </div>
          {configured && (
            <div className="field-hint block">
              <label>
                <input
                  type="checkbox"
                  checked={consent}
                  onChange={(e) => setConsent(e.target.checked)}
                  data-testid="elevenlabs-consent"
                />{" "}
                Let Callboard create an HMAC webhook in my ElevenLabs workspace pointing at{" "}
                <span className="mono">{s?.public_base_url ?? "(no public URL yet)"}</span> and attach it to{" "}
                {chosen.length ? `${chosen.length} chosen agent(s)` : "every agent"} (transcript, audio, call failures).
              </label>{" "}
              <button
                className="btn btn-ghost btn-xs"
                disabled={!consent || register.isPending || !s?.public_base_url}
                onClick={() => register.mutate()}
                data-testid="elevenlabs-register"
              >
                {s?.webhook ? "Register again" : "Register webhook"}
              </button>
            </div>
          )}
        </dd>
      </dl>
    </section>
  );
}
