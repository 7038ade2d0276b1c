/**
 * The campaign form's "Advanced" part: retries by outcome (max attempts, a delay per outcome) and safety (the
 * watchdog's max call duration and the circuit breaker), each with a plain-words hint of what it will do.
 */
import { RETRY_OUTCOMES } from "../../lib/labels";
import { hintFor, humanMinutes, humanSeconds } from "../../lib/duration";
import type { BreakerSettings } from "../../api/types";
import { delayKey, inRange, LIMITS, retryKey } from "./formModel";
import type { FormKit } from "./formKit";
import { breakerText } from "./policyText";

interface AdvancedSettingsProps {
  kit: FormKit;
  /** The form's id prefix. */
  ids: string;
  /** Max attempts when valid, else null. */
  maxAttempts: number | null;
  breaker: BreakerSettings;
  breakerValid: boolean;
}

export function AdvancedSettings({ kit, ids, maxAttempts, breaker, breakerValid }: AdvancedSettingsProps) {
  const { values, set, errorFor, idOf, field, numberInput, sectionError } = kit;
  return (
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
  );
}
