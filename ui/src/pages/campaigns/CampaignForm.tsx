import { useId, useMemo, useState, type ReactNode } from "react";
import { ApiError } from "../../api/error";
import type { Agent, HoursPreset, Provider } from "../../api/types";
import { AGENT_PROVIDER_LABELS, HOURS_PRESETS, PROVIDERS } from "../../lib/labels";
import { timeZones } from "../../lib/time";
import { fieldForError, validate, NAME_MAX, type CampaignFormValues, type FieldErrors, type FieldName } from "./formModel";

interface CampaignFormProps {
  mode: "create" | "edit";
  initial: CampaignFormValues;
  agents: Agent[] | undefined;
  /** Saves; rejects with an ApiError to show in the form. */
  onSubmit(values: CampaignFormValues): Promise<unknown>;
  onCancel(): void;
}

/** Create or edit a campaign. Checks what it can locally; shows the core's `validation`/`conflict` in place. */
export function CampaignForm({ mode, initial, agents, onSubmit, onCancel }: CampaignFormProps) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [serverField, setServerField] = useState<FieldName | null>(null);
  const [busy, setBusy] = useState(false);
  const [tzTouched, setTzTouched] = useState(mode === "edit");
  const zones = useMemo(timeZones, []);
  const ids = useId();

  const set = <K extends FieldName>(k: K, v: CampaignFormValues[K]) => {
    setValues((prev) => {
      const next = { ...prev, [k]: v };
      // A calling-window preset suggests its zone until the user picks one.
      if (k === "hours_preset" && !tzTouched) {
        const zone = HOURS_PRESETS.find((p) => p.value === v)?.zone;
        if (zone) next.time_zone = zone;
      }
      return next;
    });
    if (k === "time_zone") setTzTouched(true);
    if (errors[k]) setErrors(({ [k]: _gone, ...rest }) => rest);
    if (serverField === k || (serverError && serverField === null)) {
      setServerError(null);
      setServerField(null);
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const found = validate(values);
    setErrors(found);
    setServerError(null);
    setServerField(null);
    if (Object.keys(found).length > 0) {
      document.getElementById(`${ids}-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(values);
    } catch (err) {
      const apiErr = ApiError.from(err);
      const field = fieldForError(apiErr);
      setServerError(apiErr);
      setServerField(field);
      if (field) document.getElementById(`${ids}-${field}`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (f: FieldName): string | undefined =>
    errors[f] ?? (serverField === f && serverError ? serverError.message : undefined);

  const field = (f: FieldName, label: string, control: ReactNode, hint?: ReactNode, wide?: boolean) => {
    const err = errorFor(f);
    return (
      <div className={`field${wide ? " field-wide" : ""}${err ? " has-error" : ""}`}>
        <label className="field-label" htmlFor={`${ids}-${f}`}>
          {label}
        </label>
        {control}
        {err ? (
          <div className="field-error" id={`${ids}-${f}-error`} data-testid={`field-error-${f}`}>
            {err}
          </div>
        ) : (
          hint && <div className="field-hint">{hint}</div>
        )}
      </div>
    );
  };
  const aria = (f: FieldName) => ({
    id: `${ids}-${f}`,
    "aria-invalid": errorFor(f) ? true : undefined,
    "aria-describedby": errorFor(f) ? `${ids}-${f}-error` : undefined,
  });

  const agentMissing = values.agent_id !== "" && agents !== undefined && !agents.some((a) => String(a.id) === values.agent_id);

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="campaign-form" aria-busy={busy}>
      <div className="modal-body">
        {serverError && (
          <div className="form-alert" role="alert" data-testid="form-error" data-code={serverError.code}>
            <span className="code-pill">{serverError.code}</span>
            <span>{serverError.message}</span>
          </div>
        )}
        <div className="form-grid">
          {field(
            "name",
            "Name",
            <input
              {...aria("name")}
              className="input"
              value={values.name}
              maxLength={NAME_MAX + 20}
              placeholder="e.g. Test-drive follow-up (Kuwait)"
              autoComplete="off"
              data-testid="campaign-name"
              data-autofocus
              onChange={(e) => set("name", e.target.value)}
            />,
            undefined,
            true,
          )}
          {field(
            "description",
            "Description",
            <textarea
              {...aria("description")}
              className="input textarea"
              rows={2}
              value={values.description}
              placeholder="Who is on the list and what the agent should achieve"
              data-testid="campaign-description"
              onChange={(e) => set("description", e.target.value)}
            />,
            undefined,
            true,
          )}

          <div className="form-section field-wide">Dialing</div>
          {field(
            "provider",
            "Provider",
            <select
              {...aria("provider")}
              className="input select"
              value={values.provider}
              data-testid="campaign-provider"
              onChange={(e) => set("provider", e.target.value as Provider)}
            >
              {PROVIDERS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>,
            PROVIDERS.find((p) => p.value === values.provider)?.hint,
          )}
          {field(
            "agent_id",
            "Agent",
            <select
              {...aria("agent_id")}
              className="input select"
              value={values.agent_id}
              data-testid="campaign-agent"
              onChange={(e) => set("agent_id", e.target.value)}
            >
              <option value="">No agent yet</option>
              {agentMissing && <option value={values.agent_id}>Agent #{values.agent_id} (missing)</option>}
              {agents?.map((a) => (
                <option key={a.id} value={String(a.id)}>
                  {a.name} · {AGENT_PROVIDER_LABELS[a.provider] ?? a.provider}
                  {a.language ? ` · ${a.language}` : ""}
                </option>
              ))}
            </select>,
            agents === undefined ? "Loading agents…" : agents.length === 0 ? "No agents exist yet." : "Speaks for this campaign",
          )}
          {field(
            "from_number",
            "Caller ID",
            <input
              {...aria("from_number")}
              className="input mono"
              value={values.from_number}
              placeholder="Provider default: an E.164 number (+965…) or the provider's number id"
              autoComplete="off"
              data-testid="campaign-from"
              onChange={(e) => set("from_number", e.target.value)}
            />,
            undefined,
            true,
          )}

          <div className="form-section field-wide">Pacing</div>
          {field(
            "max_concurrent",
            "Max concurrent calls",
            <input
              {...aria("max_concurrent")}
              className="input"
              type="number"
              inputMode="numeric"
              min={1}
              max={500}
              step={1}
              value={values.max_concurrent}
              data-testid="campaign-max-concurrent"
              onChange={(e) => set("max_concurrent", e.target.value)}
            />,
            "1 to 500",
          )}
          {field(
            "calls_per_second",
            "Calls per second",
            <input
              {...aria("calls_per_second")}
              className="input"
              type="number"
              inputMode="decimal"
              min={0.1}
              max={50}
              step={0.1}
              value={values.calls_per_second}
              data-testid="campaign-cps"
              onChange={(e) => set("calls_per_second", e.target.value)}
            />,
            "0.1 to 50; new calls started per second",
          )}

          <div className="form-section field-wide">Calling window</div>
          {field(
            "hours_preset",
            "Hours",
            <select
              {...aria("hours_preset")}
              className="input select"
              value={values.hours_preset}
              data-testid="campaign-hours"
              onChange={(e) => set("hours_preset", e.target.value as HoursPreset)}
            >
              {HOURS_PRESETS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>,
            "In each recipient's local time",
          )}
          {field(
            "time_zone",
            "Default time zone",
            <>
              <input
                {...aria("time_zone")}
                className="input"
                list={`${ids}-zones`}
                value={values.time_zone}
                placeholder="e.g. Asia/Kuwait"
                autoComplete="off"
                spellCheck={false}
                data-testid="campaign-tz"
                onChange={(e) => set("time_zone", e.target.value)}
              />
              <datalist id={`${ids}-zones`}>
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </>,
            "For contacts whose zone is unknown",
          )}
        </div>
      </div>
      <div className="modal-footer">
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="campaign-submit">
          {busy ? "Saving…" : mode === "create" ? "Create campaign" : "Save changes"}
        </button>
      </div>
    </form>
  );
}
