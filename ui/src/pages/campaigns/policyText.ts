// A campaign's retry, breaker and watchdog settings in words, for the drawer and the form's summary line.

import type { BreakerSettings, RetryPolicy, RetryRule } from "../../api/types";
import { humanMinutes, humanSeconds } from "../../lib/duration";
import { RETRY_OUTCOMES } from "../../lib/labels";

export function attemptsText(p: RetryPolicy): string {
  if (p.max_attempts <= 1) return "One call per contact; never retried";
  const retries = p.max_attempts - 1;
  return `Up to ${p.max_attempts} calls per contact (the first + ${retries} ${retries === 1 ? "retry" : "retries"})`;
}

export function ruleText(r: RetryRule, maxAttempts: number): string {
  if (!r.retry || maxAttempts <= 1) return "Not retried";
  return r.delay_minutes === 0 ? "Retried right away" : `Retried after ${humanMinutes(r.delay_minutes)}`;
}

/** "50%" / "12.5%" */
export function percentText(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`;
}

/** The breaker trips when *more than* the ratio failed, so 100% can never trip. */
export function breakerOff(b: BreakerSettings): boolean {
  return b.failure_ratio >= 1;
}

export function breakerText(b: BreakerSettings): string {
  if (breakerOff(b)) return "Off: a 100% threshold never trips";
  return `Pauses the campaign when more than ${percentText(b.failure_ratio)} of the last ${b.min_dials} dials fail within ${humanSeconds(b.window_s)}`;
}

export function watchdogText(maxCallSeconds: number): string {
  return `Hangs up calls still going after ${humanSeconds(maxCallSeconds)}`;
}

/** One line for the collapsed "Advanced" disclosure. */
export function advancedSummary(p: RetryPolicy, b: BreakerSettings, maxCallSeconds: number): string {
  const names = (list: typeof RETRY_OUTCOMES) => list.map((o) => o.label.toLowerCase()).join(", ");
  const retried = RETRY_OUTCOMES.filter((o) => p[o.value].retry);
  const skipped = RETRY_OUTCOMES.filter((o) => !p[o.value].retry);
  const which = skipped.length === 0 ? "" : skipped.length <= 2 ? ` (not ${names(skipped)})` : ` (${names(retried)} only)`;
  const retries = p.max_attempts <= 1 || retried.length === 0 ? "no retries" : `${p.max_attempts} attempts${which}`;
  const breaker = breakerOff(b) ? "breaker off" : `breaker at ${percentText(b.failure_ratio)} of ${b.min_dials}`;
  return `${retries} · ${breaker} · calls end after ${humanSeconds(maxCallSeconds)}`;
}
