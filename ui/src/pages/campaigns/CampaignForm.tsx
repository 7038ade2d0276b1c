import { useEffect, useId, useMemo, useState } from "react";
import { ApiError } from "../../api/error";
import type { Agent, CarrierStatus, EndAction, HoursPreset, Provider } from "../../api/types";
import { IconChevronRight } from "../../components/Icons";
import { AGENT_PROVIDER_LABELS, HOURS_PRESETS, PROVIDERS } from "../../lib/labels";
import { timeZones } from "../../lib/time";
import {
  breakerOf,
  fieldForError,
  inRange,
  isAdvanced,
  LIMITS,
  maxCallSecondsOf,
  NAME_MAX,
  policyOf,
  SECTION_OF,
  validate,
  type CampaignFormValues,
  type ErrorTarget,
  type FieldErrors,
  type FieldName,
  type Section,
} from "./formModel";
import { advancedSummary } from "./policyText";
import { AdvancedSettings } from "./AdvancedSettings";
import { formKit } from "./formKit";
import { CallerNumbers, CarrierNotice, callerPlaceholder, carrierOf } from "./CarrierChoice";

interface CampaignFormProps {
  mode: "create" | "edit";
  initial: CampaignFormValues;
  agents: Agent[] | undefined;
  /** Twilio's and Exotel's status (`carrier.status`), for the carrier warning and caller numbers. */
  carriers?: CarrierStatus[];
  /** Saves; rejects with an ApiError to show in the form. */
  onSubmit(values: CampaignFormValues): Promise<unknown>;
  onCancel(): void;
}

/** The first field of a section, to focus when the core rejected the section as a whole. */
const FIRST_OF: Record<Section, FieldName> = { retry_policy: "max_attempts", breaker: "breaker_percent" };

/**
 * Create or edit a campaign. Checks what it can locally; shows the core's `validation`/`conflict` in place.
 * Retries and safety settings sit behind "Advanced" so the everyday form stays short.
 */
export function CampaignForm({ mode, initial, agents, carriers, onSubmit, onCancel }: CampaignFormProps) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [serverField, setServerField] = useState<ErrorTarget | null>(null);
  const [busy, setBusy] = useState(false);
  const [tzTouched, setTzTouched] = useState(mode === "edit");
  const [advanced, setAdvanced] = useState(false);
  /** An element id to focus once the next render is on screen (it may sit in the section just opened). */
  const [focusId, setFocusId] = useState<string | null>(null);
  const zones = useMemo(timeZones, []);
  const ids = useId();
  const idOf = (t: ErrorTarget) => `${ids}-${t}`;

  useEffect(() => {
    if (!focusId) return;
    const el = document.getElementById(focusId);
    el?.focus();
    el?.scrollIntoView?.({ block: "nearest" });
    setFocusId(null);
  }, [focusId]);

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
    if (serverField === k || (serverField !== null && serverField === SECTION_OF[k]) || (serverError && serverField === null)) {
      setServerError(null);
      setServerField(null);
    }
  };

  /** Shows a problem where it is; opens "Advanced" first if it is in there. */
  const reveal = (t: ErrorTarget) => {
    if (isAdvanced(t)) setAdvanced(true);
    setFocusId(idOf(t === "retry_policy" || t === "breaker" ? FIRST_OF[t] : t));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const found = validate(values);
    setErrors(found);
    setServerError(null);
    setServerField(null);
    const first = Object.keys(found)[0] as ErrorTarget | undefined;
    if (first) {
      reveal(first);
      return;
    }
    setBusy(true);
    try {
      await onSubmit(values);
    } catch (err) {
      const apiErr = ApiError.from(err);
      const target = fieldForError(apiErr);
      setServerError(apiErr);
      setServerField(target);
      if (target) reveal(target);
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (t: ErrorTarget): string | undefined =>
    errors[t] ?? (serverField === t && serverError ? serverError.message : undefined);

  const kit = formKit({ values, set, errorFor, idOf });
  const { field, aria, numberInput } = kit;
  const carrier = carrierOf(values.provider, carriers);
  const agentMissing = values.agent_id !== "" && agents !== undefined && !agents.some((a) => String(a.id) === values.agent_id);
  const advancedErrors = (Object.keys(errors) as ErrorTarget[]).filter(isAdvanced).length + (serverField && isAdvanced(serverField) ? 1 : 0);
  const maxAttempts = inRange(values.max_attempts, LIMITS.max_attempts, true);
  const breaker = breakerOf(values);
  const breakerValid =
    inRange(values.breaker_percent, LIMITS.breaker_percent, false) !== null &&
    inRange(values.breaker_min_dials, LIMITS.breaker_min_dials, true) !== null &&
    inRange(values.breaker_window_s, LIMITS.breaker_window_s, true) !== null;
  const summary =
    advancedErrors === 0 && maxAttempts !== null && breakerValid && inRange(values.max_call_minutes, LIMITS.max_call_minutes, false) !== null
      ? advancedSummary(policyOf(values), breaker, maxCallSecondsOf(values))
      : "Retries by outcome, circuit breaker, watchdog";

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
          <CarrierNotice provider={values.provider} carriers={carriers} fromNumber={values.from_number} />
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
            agents === undefined
              ? "Loading agents…"
              : agents.length === 0
                ? "No agents exist yet."
                : carrier
                  ? "The AI agent each call is bridged to (required to start)"
                  : "Speaks for this campaign",
          )}
          {field(
            "from_number",
            "Caller ID",
            <input
              {...aria("from_number")}
              className="input mono"
              value={values.from_number}
              placeholder={callerPlaceholder(carrier)}
              list={carrier && carrier.numbers.length > 0 ? `${ids}-from-options` : undefined}
              autoComplete="off"
              spellCheck={false}
              data-testid="campaign-from"
              onChange={(e) => set("from_number", e.target.value)}
            />,
            undefined,
            true,
          )}

          <CallerNumbers id={`${ids}-from-options`} carrier={carrier} />
          <div className="form-section field-wide">Pacing</div>
          {field(
            "max_concurrent",
            "Max concurrent calls",
            numberInput("max_concurrent", LIMITS.max_concurrent, 1, "calls", "campaign-max-concurrent"),
            "1 to 500",
          )}
          {field(
            "calls_per_second",
            "Calls per second",
            numberInput("calls_per_second", LIMITS.calls_per_second, 0.1, "per s", "campaign-cps"),
            "0.1 to 50; new calls started per second",
          )}
          {field(
            "reserved_headroom",
            "Reserved headroom",
            <input
              {...aria("reserved_headroom")}
              className="input"
              type="number"
              inputMode="numeric"
              min={0}
              step={1}
              value={values.reserved_headroom}
              data-testid="campaign-headroom"
              onChange={(e) => set("reserved_headroom", e.target.value)}
            />,
            "Lines kept free for inbound calls and other campaigns",
          )}

          <div className="form-section field-wide">Schedule</div>
          {field(
            "start_at",
            "Start at",
            <input
              {...aria("start_at")}
              className="input"
              type="datetime-local"
              value={values.start_at}
              data-testid="campaign-start-at"
              onChange={(e) => set("start_at", e.target.value)}
            />,
            "Empty: starts when you press Start. Otherwise Start waits until then (status scheduled).",
          )}
          {field(
            "end_at",
            "End at",
            <input
              {...aria("end_at")}
              className="input"
              type="datetime-local"
              value={values.end_at}
              data-testid="campaign-end-at"
              onChange={(e) => set("end_at", e.target.value)}
            />,
            "Empty: runs until the list is done",
          )}
          {field(
            "end_action",
            "At the end",
            <select
              {...aria("end_action")}
              className="input select"
              value={values.end_action}
              data-testid="campaign-end-action"
              onChange={(e) => set("end_action", e.target.value as EndAction)}
            >
              <option value="complete">Complete the campaign</option>
              <option value="pause">Pause it</option>
            </select>,
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

          <button
            type="button"
            className={`disclosure field-wide${advanced ? " open" : ""}`}
            aria-expanded={advanced}
            aria-controls={`${ids}-advanced`}
            data-testid="campaign-advanced-toggle"
            onClick={() => setAdvanced((o) => !o)}
          >
            <IconChevronRight size={14} className="disclosure-chevron" />
            <span className="disclosure-title">Advanced</span>
            <span className="disclosure-summary" data-testid="campaign-advanced-summary" title={summary}>
              {summary}
            </span>
            {advancedErrors > 0 && !advanced && (
              <span className="disclosure-error">
                {advancedErrors} {advancedErrors === 1 ? "problem" : "problems"}
              </span>
            )}
          </button>

          {advanced && (
            <AdvancedSettings kit={kit} ids={ids} maxAttempts={maxAttempts} breaker={breaker} breakerValid={breakerValid} />
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
