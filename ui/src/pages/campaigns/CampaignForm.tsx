import { useEffect, useId, useMemo, useState, type ReactNode } from "react";
import { ApiError } from "../../api/error";
import type { Agent, CarrierStatus, EndAction, HoursPreset, Provider } from "../../api/types";
import { IconChevronRight } from "../../components/Icons";
import { hintFor, humanMinutes, humanSeconds } from "../../lib/duration";
import { AGENT_PROVIDER_LABELS, HOURS_PRESETS, PROVIDERS, RETRY_OUTCOMES } from "../../lib/labels";
import { timeZones } from "../../lib/time";
import {
  breakerOf,
  delayKey,
  fieldForError,
  inRange,
  isAdvanced,
  LIMITS,
  maxCallSecondsOf,
  NAME_MAX,
  policyOf,
  retryKey,
  SECTION_OF,
  validate,
  type CampaignFormValues,
  type ErrorTarget,
  type FieldErrors,
  type FieldName,
  type Section,
} from "./formModel";
import { advancedSummary, breakerText } from "./policyText";
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

  const field = (f: FieldName, label: string, control: ReactNode, hint?: ReactNode, wide?: boolean) => {
    const err = errorFor(f);
    return (
      <div className={`field${wide ? " field-wide" : ""}${err ? " has-error" : ""}`}>
        <label className="field-label" htmlFor={idOf(f)}>
          {label}
        </label>
        {control}
        {err ? (
          <div className="field-error" id={`${idOf(f)}-error`} data-testid={`field-error-${f}`}>
            {err}
          </div>
        ) : (
          hint && <div className="field-hint">{hint}</div>
        )}
      </div>
    );
  };
  const aria = (f: FieldName) => ({
    id: idOf(f),
    "aria-invalid": errorFor(f) ? true : undefined,
    "aria-describedby": errorFor(f) ? `${idOf(f)}-error` : undefined,
  });
  /** A number input with a unit after it. */
  const numberInput = (f: FieldName, range: readonly [number, number], step: number, unit: string, testId: string, disabled?: boolean) => (
    <div className={`input-group${disabled ? " is-disabled" : ""}`}>
      <input
        {...aria(f)}
        className="input"
        type="number"
        inputMode={Number.isInteger(step) ? "numeric" : "decimal"}
        min={range[0]}
        max={range[1]}
        step={step}
        value={values[f] as string}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => set(f, e.target.value as CampaignFormValues[typeof f])}
      />
      <span className="input-unit" aria-hidden="true">
        {unit}
      </span>
    </div>
  );
  const sectionError = (s: Section) => {
    const err = errorFor(s);
    return (
      err && (
        <div className="section-error field-wide" role="alert" id={`${idOf(s)}-error`} data-testid={`section-error-${s}`}>
          {err}
        </div>
      )
    );
  };

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
            <div className="advanced field-wide" id={`${ids}-advanced`} data-testid="campaign-advanced">
              <section className="adv-section" aria-labelledby={`${ids}-retries-title`} data-testid="section-retries">
                <header className="adv-head">
                  <h3 className="adv-title" id={`${ids}-retries-title`}>
                    Retries
                  </h3>
                  <p className="adv-sub">When a call reaches nobody. A retry waits for its delay, then for the contact's calling window.</p>
                </header>
                <div className="form-grid">
                  {sectionError("retry_policy")}
                  {field(
                    "max_attempts",
                    "Max attempts per contact",
                    numberInput("max_attempts", LIMITS.max_attempts, 1, maxAttempts === 1 ? "call" : "calls", "campaign-max-attempts"),
                    maxAttempts === null
                      ? "1 to 10, the first call included"
                      : maxAttempts === 1
                        ? "One call only: nothing is retried"
                        : `The first call + up to ${maxAttempts - 1} ${maxAttempts === 2 ? "retry" : "retries"}`,
                  )}
                  <div className="retry-table field-wide" role="group" aria-label="Retry by outcome">
                    <div className="retry-row retry-row-head" aria-hidden="true">
                      <span>Outcome</span>
                      <span>Retry after</span>
                      <span />
                    </div>
                    {RETRY_OUTCOMES.map((o) => {
                      const on = values[retryKey(o.value)];
                      const dk = delayKey(o.value);
                      const err = errorFor(dk);
                      return (
                        <div className={`retry-row${on ? "" : " is-off"}`} key={o.value} data-testid={`retry-row-${o.value}`}>
                          <label className="switch-label">
                            <input
                              type="checkbox"
                              role="switch"
                              className="switch"
                              checked={on}
                              data-testid={`retry-${o.value}`}
                              aria-describedby={`${ids}-${o.value}-hint`}
                              onChange={(e) => set(retryKey(o.value), e.target.checked)}
                            />
                            <span className="switch-text">
                              <span className="switch-title">{o.label}</span>
                              <span className="switch-hint" id={`${ids}-${o.value}-hint`}>
                                {o.hint}
                              </span>
                            </span>
                          </label>
                          <div>
                            <label className="sr-only" htmlFor={idOf(dk)}>
                              {o.label}: retry after (minutes)
                            </label>
                            {numberInput(dk, LIMITS.delay_minutes, 1, "min", `delay-${o.value}`, !on)}
                          </div>
                          <span className="retry-human" data-testid={`delay-hint-${o.value}`}>
                            {on ? hintFor(values[dk], humanMinutes) : "not retried"}
                          </span>
                          {err && (
                            <div className="field-error retry-error" id={`${idOf(dk)}-error`} data-testid={`field-error-${dk}`}>
                              {err}
                            </div>
                          )}
                        </div>
                      );
                    })}
                  </div>
                </div>
              </section>

              <section className="adv-section" aria-labelledby={`${ids}-safety-title`} data-testid="section-safety">
                <header className="adv-head">
                  <h3 className="adv-title" id={`${ids}-safety-title`}>
                    Safety
                  </h3>
                  <p className="adv-sub">Stop a failing campaign and calls that never end, without anyone watching.</p>
                </header>
                <div className="form-grid">
                  {field(
                    "max_call_minutes",
                    "Max call duration",
                    numberInput("max_call_minutes", LIMITS.max_call_minutes, 1, "min", "campaign-max-call"),
                    (() => {
                      const h = hintFor(values.max_call_minutes, (m) => humanSeconds(Math.round(m * 60)));
                      return `1 to 120 minutes${h && !/^\d+ min$/.test(h) ? ` · ${h}` : ""}`;
                    })(),
                  )}
                  <p className="field-note">The watchdog hangs up calls still going after this, so a stuck call never holds a line.</p>
                  <div className="field-wide breaker">
                    <div className="breaker-title">Circuit breaker</div>
                    {sectionError("breaker")}
                    <div className="breaker-grid">
                      {field(
                        "breaker_percent",
                        "Failures above",
                        numberInput("breaker_percent", LIMITS.breaker_percent, 1, "%", "breaker-percent"),
                        "5 to 100",
                      )}
                      {field(
                        "breaker_min_dials",
                        "Of the last",
                        numberInput("breaker_min_dials", LIMITS.breaker_min_dials, 1, "dials", "breaker-min-dials"),
                        "3 to 500",
                      )}
                      {field(
                        "breaker_window_s",
                        "Within",
                        numberInput("breaker_window_s", LIMITS.breaker_window_s, 1, "s", "breaker-window"),
                        hintFor(values.breaker_window_s, humanSeconds) && inRange(values.breaker_window_s, LIMITS.breaker_window_s, true) !== null
                          ? `10 to 3600 · ${humanSeconds(Number(values.breaker_window_s))}`
                          : "10 to 3600",
                      )}
                    </div>
                    {breakerValid && (
                      <p className="breaker-sentence" data-testid="breaker-sentence">
                        {breakerText(breaker)}.
                      </p>
                    )}
                  </div>
                </div>
              </section>
            </div>
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
