// The setup building blocks, shared by the Settings page and the first-run wizard: region and hours,
// provider keys (write-only) with connection tests, and the public URL with its self-test.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState, type ReactNode } from "react";
import { keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { SECRET_FIELDS, SOURCE_LABEL, setupApi, setupKeys } from "../../api/setup";
import type { ProviderCheck, ProviderName, SecretName, SecretStatus, Settings, SettingsPatch } from "../../api/types";

/** A labelled control with its error (from the server's `fields`) or hint underneath. */
export function Field({ label, error, hint, children, htmlFor, testId }: { label: string; error?: string; hint?: ReactNode; children: ReactNode; htmlFor: string; testId: string }) {
  return (
    <div className={`field${error ? " has-error" : ""}`}>
      <label className="field-label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      {error ? (
        <div className="field-error" data-testid={`field-error-${testId}`}>
          {error}
        </div>
      ) : (
        hint && <div className="field-hint">{hint}</div>
      )}
    </div>
  );
}

export function FormError({ error }: { error: ApiError | null }) {
  if (!error || error.fields.length > 0) return null;
  return (
    <div className="form-alert" role="alert" data-testid="form-error">
      <span className="code-pill">{error.code}</span> {error.message}
    </div>
  );
}

export function useSettings() {
  return useQuery({ queryKey: setupKeys.settings, queryFn: setupApi.settings });
}

/** Saves a patch; keeps the server's error so fields can show their messages. */
export function useSaveSettings() {
  const qc = useQueryClient();
  const [error, setError] = useState<ApiError | null>(null);
  const save = useMutation({
    mutationFn: (patch: SettingsPatch) => setupApi.updateSettings(patch),
    onMutate: () => setError(null),
    onSuccess: (s) => {
      qc.setQueryData(setupKeys.settings, s);
      void qc.invalidateQueries({ queryKey: keys.appInfo });
      void qc.invalidateQueries({ queryKey: setupKeys.status });
    },
    onError: (e) => setError(ApiError.from(e)),
  });
  return { save, error };
}

const REGIONS = [
  { code: "KW", label: "Kuwait", zone: "Asia/Kuwait", hours: "kw" },
  { code: "IN", label: "India", zone: "Asia/Kolkata", hours: "in" },
  { code: "US", label: "United States", zone: "America/New_York", hours: "us" },
] as const;

const HOURS = [
  { value: "kw", label: "Kuwait: Sun–Thu 09:00–20:00" },
  { value: "in", label: "India: Mon–Sat 10:00–19:00" },
  { value: "us", label: "US: daily 08:00–21:00 (TCPA)" },
  { value: "always", label: "No restriction" },
] as const;

/** Region, time zone and calling hours. `onSaved` lets the wizard move on. */
export function RegionForm({ settings, onSaved, submitLabel = "Save" }: { settings: Settings; onSaved?(): void; submitLabel?: string }) {
  const id = useId();
  const [region, setRegion] = useState(settings.default_region);
  const [zone, setZone] = useState(settings.time_zone);
  const [hours, setHours] = useState<string>(settings.calling_hours);
  const { save, error } = useSaveSettings();
  const pickRegion = (code: string) => {
    setRegion(code);
    const known = REGIONS.find((r) => r.code === code);
    if (known) {
      setZone(known.zone);
      setHours(known.hours);
    }
  };
  return (
    <form
      className="form-grid"
      data-testid="region-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ default_region: region, time_zone: zone, calling_hours: hours as Settings["calling_hours"] }, { onSuccess: () => onSaved?.() });
      }}
    >
      <FormError error={error} />
      <Field label="Region" htmlFor={`${id}-region`} testId="default_region" error={error?.fieldMessage("default_region")} hint="Numbers without a country code are read as this region's.">
        <select id={`${id}-region`} className="select" value={region} onChange={(e) => pickRegion(e.target.value)} data-testid="setting-region">
          {REGIONS.map((r) => (
            <option key={r.code} value={r.code}>
              {r.label} ({r.code})
            </option>
          ))}
          {!REGIONS.some((r) => r.code === region) && <option value={region}>{region}</option>}
        </select>
      </Field>
      <Field label="Time zone" htmlFor={`${id}-zone`} testId="time_zone" error={error?.fieldMessage("time_zone")} hint="IANA name, e.g. Asia/Kuwait">
        <input id={`${id}-zone`} className="input" value={zone} onChange={(e) => setZone(e.target.value)} data-testid="setting-time-zone" />
      </Field>
      <Field label="Calling hours for new campaigns" htmlFor={`${id}-hours`} testId="calling_hours" error={error?.fieldMessage("calling_hours")}>
        <select id={`${id}-hours`} className="select" value={hours} onChange={(e) => setHours(e.target.value)} data-testid="setting-hours">
          {HOURS.map((h) => (
            <option key={h.value} value={h.value}>
              {h.label}
            </option>
          ))}
        </select>
      </Field>
      <div className="field field-wide">
        <div>
          <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="region-save">
            {save.isPending ? "Saving…" : submitLabel}
          </button>
        </div>
      </div>
    </form>
  );
}

function SecretRow({ status, label, hint }: { status: SecretStatus | undefined; label: string; hint?: string }) {
  const id = useId();
  const qc = useQueryClient();
  const [value, setValue] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const name = status?.name;
  const run = useMutation({
    mutationFn: (op: { clear: boolean; name: SecretName }) => (op.clear ? setupApi.clearSecret(op.name) : setupApi.setSecret(op.name, value)),
    onMutate: () => setError(null),
    onSuccess: () => {
      setValue("");
      void qc.invalidateQueries({ queryKey: setupKeys.secrets });
      // A carrier key changes the carrier's status (the dialer reloads on the server).
      void qc.invalidateQueries({ queryKey: setupKeys.carriers });
    },
    onError: (e) => setError(ApiError.from(e)),
  });
  const where = status?.set ? `Set, ${SOURCE_LABEL[status.source ?? ""] ?? ""}` : "Not set";
  const fromEnv = status?.source === "env";
  return (
    <div className="field" data-testid={`secret-${name ?? "loading"}`}>
      <label className="field-label" htmlFor={id}>
        {label} <span className={status?.set ? "badge badge-running" : "faint"} data-testid={`secret-state-${name}`}>{where}</span>
      </label>
      <div className="secret-row">
        <input
          id={id}
          className="input"
          type="password"
          autoComplete="off"
          placeholder={status?.set ? "•••••••• (enter a new value to replace)" : "Paste here"}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          data-testid={`secret-input-${name}`}
        />
        <button type="button" className="btn btn-secondary btn-sm" disabled={!name || !value.trim() || run.isPending} onClick={() => name && run.mutate({ clear: false, name })} data-testid={`secret-save-${name}`}>
          Save
        </button>
        {status?.set && !fromEnv && (
          <button type="button" className="btn btn-ghost btn-sm" disabled={run.isPending} onClick={() => name && run.mutate({ clear: true, name })} data-testid={`secret-clear-${name}`}>
            Clear
          </button>
        )}
      </div>
      {error ? <div className="field-error">{error.message}</div> : fromEnv ? <div className="field-hint">{status?.env_var} overrides what is stored here.</div> : hint && <div className="field-hint">{hint}</div>}
    </div>
  );
}

export function checkTone(c: ProviderCheck): "ok" | "warn" | "error" {
  return c.status === "ok" ? "ok" : c.status === "not_configured" ? "warn" : "error";
}

/** Keys for each provider (write-only) and a "Test connection" per provider. */
export function ProviderKeys({ providers, storeWarning = true }: { providers?: ProviderName[]; storeWarning?: boolean }) {
  const secrets = useQuery({ queryKey: setupKeys.secrets, queryFn: setupApi.secrets });
  const [checks, setChecks] = useState<Partial<Record<ProviderName, ProviderCheck>>>({});
  const test = useMutation({
    mutationFn: (p: ProviderName) => setupApi.testProvider(p),
    onSuccess: (c) => setChecks((old) => ({ ...old, [c.provider]: c })),
  });
  const byName = new Map((secrets.data?.secrets ?? []).map((s) => [s.name, s]));
  return (
    <div className="provider-keys" data-testid="provider-keys">
      {storeWarning && secrets.data?.warning && (
        <div className="banner banner-warning" role="alert" data-testid="secret-store-warning">
          {secrets.data.warning}
        </div>
      )}
      {SECRET_FIELDS.filter((p) => !providers || providers.includes(p.provider)).map((p) => {
        const c = checks[p.provider];
        return (
          <fieldset key={p.provider} className="provider-block" data-testid={`provider-${p.provider}`}>
            <legend className="form-section">{p.label}</legend>
            <div className="form-grid">
              {p.secrets.map((s) => (
                <SecretRow key={s.name} status={byName.get(s.name)} label={s.label} hint={s.hint} />
              ))}
            </div>
            <div className="provider-test">
              <button type="button" className="btn btn-secondary btn-sm" disabled={test.isPending && test.variables === p.provider} onClick={() => test.mutate(p.provider)} data-testid={`provider-test-${p.provider}`}>
                Test connection
              </button>
              {c && (
                <span className={`check check-${checkTone(c)}`} role="status" data-testid={`provider-result-${p.provider}`}>
                  {c.message}
                  {c.latency_ms != null && c.status === "ok" ? ` (${c.latency_ms} ms)` : ""}
                </span>
              )}
            </div>
          </fieldset>
        );
      })}
    </div>
  );
}

/** The public URL (a URL the user has, or the built-in quick tunnel) and the reachability self-test. */
export function PublicUrlPanel({ settings }: { settings: Settings }) {
  const id = useId();
  const qc = useQueryClient();
  const [url, setUrl] = useState(settings.public_base_url ?? "");
  const { save, error } = useSaveSettings();
  const status = useQuery({ queryKey: setupKeys.status, queryFn: setupApi.status, refetchInterval: 5000 });
  const selftest = useMutation({
    mutationFn: setupApi.selftest,
    onSuccess: () => void qc.invalidateQueries({ queryKey: setupKeys.status }),
  });
  useEffect(() => setUrl(settings.public_base_url ?? ""), [settings.public_base_url]);
  const result = selftest.data ?? status.data?.selftest ?? null;
  const tunnel = status.data?.tunnel;
  return (
    <div className="public-url" data-testid="public-url-panel">
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ public_base_url: url.trim() === "" ? null : url.trim(), tunnel: "manual" }, { onSuccess: () => selftest.mutate() });
        }}
      >
        <FormError error={error} />
        <Field
          label="Public URL"
          htmlFor={`${id}-url`}
          testId="public_base_url"
          error={error?.fieldMessage("public_base_url")}
          hint={<>The address providers call, e.g. your cloudflared or reverse-proxy URL. It must forward to the public listener{status.data?.public_url_source === "env" ? "; CALLBOARD_PUBLIC_URL overrides it now" : ""}.</>}
        >
          <input id={`${id}-url`} className="input" placeholder="https://callboard.example.com" value={url} onChange={(e) => setUrl(e.target.value)} data-testid="setting-public-url" />
        </Field>
        <div className="field">
          <span className="field-label">Or let the app open a tunnel</span>
          <button type="button" className="btn btn-secondary btn-sm" disabled={save.isPending} onClick={() => save.mutate({ tunnel: settings.tunnel === "cloudflared" ? "manual" : "cloudflared", public_base_url: null })} data-testid="tunnel-toggle">
            {settings.tunnel === "cloudflared" ? "Stop the cloudflared quick tunnel" : "Start a cloudflared quick tunnel"}
          </button>
          <div className="field-hint">Needs cloudflared installed; no account. Quick tunnels get a new address on every start and are meant for trying things out.</div>
        </div>
        <div className="field field-wide">
          <div>
            <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="public-url-save">
              Save and test
            </button>{" "}
            <button type="button" className="btn btn-secondary" disabled={selftest.isPending} onClick={() => selftest.mutate()} data-testid="selftest-run">
              {selftest.isPending ? "Testing…" : "Test reachability"}
            </button>
          </div>
        </div>
      </form>
      {tunnel && tunnel.state !== "off" && (
        <p className="muted" data-testid="tunnel-state">
          Tunnel: {tunnel.state === "up" ? `up at ${tunnel.url}` : tunnel.state === "starting" ? `starting (attempt ${tunnel.attempt})` : `down (${tunnel.reason}); retrying in ${tunnel.retry_in_s} s`}
        </p>
      )}
      {result && (
        <div className={`check check-${result.ok ? "ok" : "error"}`} role="status" data-testid="selftest-result">
          {result.ok ? "Reachable: " : "Not reachable: "}
          {result.message}
        </div>
      )}
    </div>
  );
}
