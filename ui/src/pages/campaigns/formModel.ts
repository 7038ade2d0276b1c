// The campaign form's values, its client-side checks (the same rules the core applies, so most mistakes are
// caught before a round trip) and the mapping of server errors onto fields and sections.

import type { ApiError } from "../../api/error";
import type {
  BreakerSettings,
  Campaign,
  CampaignInput,
  EndAction,
  HoursPreset,
  Provider,
  RetryOutcome,
  RetryPolicy,
} from "../../api/types";

export const OUTCOME_KEYS: readonly RetryOutcome[] = ["no_answer", "busy", "voicemail", "failed"];

/** Per-outcome keys of the flat form values. */
export type RetryKey = `retry_${RetryOutcome}`;
export type DelayKey = `delay_${RetryOutcome}`;
export const retryKey = (o: RetryOutcome): RetryKey => `retry_${o}`;
export const delayKey = (o: RetryOutcome): DelayKey => `delay_${o}`;

export interface CampaignFormValues extends Record<RetryKey, boolean>, Record<DelayKey, string> {
  name: string;
  description: string;
  provider: Provider;
  /** "" = no agent */
  agent_id: string;
  from_number: string;
  max_concurrent: string;
  calls_per_second: string;
  hours_preset: HoursPreset;
  time_zone: string;
  /** Retries: attempts per contact, the first included. */
  max_attempts: string;
  /** Watchdog, in minutes (the API takes seconds). */
  max_call_minutes: string;
  /** Circuit breaker: failure share in percent (the API takes a ratio), last N dials, window in seconds. */
  breaker_percent: string;
  breaker_min_dials: string;
  breaker_window_s: string;
  /** Schedule: `datetime-local` values in the browser's zone ("" = none). */
  start_at: string;
  end_at: string;
  end_action: EndAction;
  /** Slots kept free for inbound calls and other campaigns. */
  reserved_headroom: string;
}

export type FieldName = keyof CampaignFormValues;
/** Where an error shows: next to a field, or at the top of a section (server errors about a whole object). */
export type Section = "retry_policy" | "breaker";
export type ErrorTarget = FieldName | Section;
export type FieldErrors = Partial<Record<ErrorTarget, string>>;

export const NAME_MAX = 120;
export const FROM_MAX = 64;
export const DESCRIPTION_MAX = 2000;

/** The core's ranges (campaign.rs), inclusive. Minutes and percent are the form's units. */
export const LIMITS = {
  max_concurrent: [1, 500],
  calls_per_second: [0.1, 50],
  max_attempts: [1, 10],
  delay_minutes: [0, 10_080],
  max_call_minutes: [1, 120],
  breaker_percent: [5, 100],
  breaker_min_dials: [3, 500],
  breaker_window_s: [10, 3600],
} as const satisfies Record<string, readonly [number, number]>;

/** The core's defaults (docs/api.md). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  max_attempts: 3,
  no_answer: { retry: true, delay_minutes: 120 },
  busy: { retry: true, delay_minutes: 15 },
  voicemail: { retry: true, delay_minutes: 240 },
  failed: { retry: true, delay_minutes: 10 },
};
export const DEFAULT_BREAKER: BreakerSettings = { failure_ratio: 0.5, min_dials: 20, window_s: 120 };
export const DEFAULT_MAX_CALL_SECONDS = 900;

/** Which fields sit behind the "Advanced" disclosure, and the section each belongs to. */
export const SECTION_OF: Partial<Record<FieldName, Section | "watchdog">> = {
  max_attempts: "retry_policy",
  ...Object.fromEntries(OUTCOME_KEYS.flatMap((o) => [[retryKey(o), "retry_policy"], [delayKey(o), "retry_policy"]])),
  max_call_minutes: "watchdog",
  breaker_percent: "breaker",
  breaker_min_dials: "breaker",
  breaker_window_s: "breaker",
};

export function isAdvanced(t: ErrorTarget): boolean {
  return t === "retry_policy" || t === "breaker" || SECTION_OF[t as FieldName] !== undefined;
}

/** Numbers shown in inputs: no float noise (0.07 × 100 is 7.000000000000001). */
function num(n: number, digits = 4): string {
  return String(Number(n.toFixed(digits)));
}

function policyValues(p: RetryPolicy) {
  const out = { max_attempts: String(p.max_attempts) } as Pick<CampaignFormValues, "max_attempts" | RetryKey | DelayKey>;
  for (const o of OUTCOME_KEYS) {
    out[retryKey(o)] = p[o].retry;
    out[delayKey(o)] = String(p[o].delay_minutes);
  }
  return out;
}

function safetyValues(b: BreakerSettings, maxCallSeconds: number) {
  return {
    max_call_minutes: num(maxCallSeconds / 60, 2),
    breaker_percent: num(b.failure_ratio * 100),
    breaker_min_dials: String(b.min_dials),
    breaker_window_s: String(b.window_s),
  };
}

export function emptyValues(timeZone: string): CampaignFormValues {
  return {
    name: "",
    description: "",
    provider: "sim",
    agent_id: "",
    from_number: "",
    max_concurrent: "5",
    calls_per_second: "1",
    hours_preset: "always",
    time_zone: timeZone,
    ...policyValues(DEFAULT_RETRY_POLICY),
    ...safetyValues(DEFAULT_BREAKER, DEFAULT_MAX_CALL_SECONDS),
    start_at: "",
    end_at: "",
    end_action: "complete",
    reserved_headroom: "0",
  };
}

/** An RFC 3339 instant as a `datetime-local` value in the browser's zone ("" for none). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (browser zone) as RFC 3339 UTC; null for "", undefined if unreadable. */
export function fromLocalInput(raw: string): string | null | undefined {
  if (raw.trim() === "") return null;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return new Date(a).getTime() === new Date(b).getTime();
}

export function valuesOf(c: Campaign): CampaignFormValues {
  return {
    name: c.name,
    description: c.description,
    provider: c.provider,
    agent_id: c.agent_id == null ? "" : String(c.agent_id),
    from_number: c.from_number,
    max_concurrent: String(c.max_concurrent),
    calls_per_second: String(c.calls_per_second),
    hours_preset: c.hours_preset,
    time_zone: c.time_zone,
    // Older cores sent no retry/breaker/watchdog settings: show the defaults they apply.
    ...policyValues(c.retry_policy ?? DEFAULT_RETRY_POLICY),
    ...safetyValues(c.breaker ?? DEFAULT_BREAKER, c.max_call_seconds ?? DEFAULT_MAX_CALL_SECONDS),
    start_at: toLocalInput(c.start_at),
    end_at: toLocalInput(c.end_at),
    end_action: c.end_action ?? "complete",
    reserved_headroom: String(c.reserved_headroom ?? 0),
  };
}

/** The number in `raw` if it is one and lies in `[min, max]` (whole if `integer`), else null. */
export function inRange(raw: string, [min, max]: readonly [number, number], integer: boolean): number | null {
  if (raw.trim() === "") return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) return null;
  if (integer && !Number.isInteger(n)) return null;
  return n;
}

export function validate(v: CampaignFormValues): FieldErrors {
  const errors: FieldErrors = {};
  const name = v.name.trim();
  if (!name) errors.name = "Give the campaign a name.";
  else if ([...name].length > NAME_MAX) errors.name = `At most ${NAME_MAX} characters.`;

  if ([...v.description].length > DESCRIPTION_MAX) errors.description = `At most ${DESCRIPTION_MAX} characters.`;
  if ([...v.from_number.trim()].length > FROM_MAX) errors.from_number = `At most ${FROM_MAX} characters.`;

  if (inRange(v.max_concurrent, LIMITS.max_concurrent, true) === null) errors.max_concurrent = "A whole number from 1 to 500.";
  if (inRange(v.calls_per_second, LIMITS.calls_per_second, false) === null)
    errors.calls_per_second = "From 0.1 to 50 calls per second.";

  if (!v.time_zone.trim()) errors.time_zone = "Pick a time zone, e.g. Asia/Kuwait.";

  if (inRange(v.max_attempts, LIMITS.max_attempts, true) === null) errors.max_attempts = "A whole number from 1 to 10.";
  for (const o of OUTCOME_KEYS) {
    // A rule that is off keeps its delay but does not use it, so a bad one does not block the form.
    if (v[retryKey(o)] && inRange(v[delayKey(o)], LIMITS.delay_minutes, true) === null)
      errors[delayKey(o)] = "Whole minutes, 0 to 10080 (a week).";
  }

  if (inRange(v.max_call_minutes, LIMITS.max_call_minutes, false) === null) errors.max_call_minutes = "From 1 to 120 minutes.";
  if (inRange(v.breaker_percent, LIMITS.breaker_percent, false) === null) errors.breaker_percent = "From 5 to 100 %.";
  if (inRange(v.breaker_min_dials, LIMITS.breaker_min_dials, true) === null)
    errors.breaker_min_dials = "A whole number from 3 to 500.";
  if (inRange(v.breaker_window_s, LIMITS.breaker_window_s, true) === null)
    errors.breaker_window_s = "Whole seconds, 10 to 3600.";

  const start = fromLocalInput(v.start_at);
  const end = fromLocalInput(v.end_at);
  if (start === undefined) errors.start_at = "A date and time, or leave it empty to start when you press Start.";
  if (end === undefined) errors.end_at = "A date and time, or leave it empty for no end.";
  else if (start && end && new Date(end) <= new Date(start)) errors.end_at = "Must be after the start time.";
  const max = inRange(v.max_concurrent, LIMITS.max_concurrent, true);
  const headroom = inRange(v.reserved_headroom, [0, 499], true);
  if (headroom === null) errors.reserved_headroom = "A whole number of lines, 0 or more.";
  else if (max !== null && headroom >= max)
    errors.reserved_headroom = `Leave at least one of the ${max} lines free (at most ${max - 1}).`;
  return errors;
}

/** The retry policy the form describes. A rule that is off and has an unusable delay keeps the default's. */
export function policyOf(v: CampaignFormValues): RetryPolicy {
  const rule = (o: RetryOutcome) => {
    const delay = inRange(v[delayKey(o)], LIMITS.delay_minutes, true);
    return { retry: v[retryKey(o)], delay_minutes: delay ?? DEFAULT_RETRY_POLICY[o].delay_minutes };
  };
  return {
    max_attempts: Number(v.max_attempts),
    no_answer: rule("no_answer"),
    busy: rule("busy"),
    voicemail: rule("voicemail"),
    failed: rule("failed"),
  };
}

export function breakerOf(v: CampaignFormValues): BreakerSettings {
  return {
    failure_ratio: Number((Number(v.breaker_percent) / 100).toFixed(6)),
    min_dials: Number(v.breaker_min_dials),
    window_s: Number(v.breaker_window_s),
  };
}

export function maxCallSecondsOf(v: CampaignFormValues): number {
  return Math.round(Number(v.max_call_minutes) * 60);
}

/** The full input for `campaign.create`. Call only when `validate` found nothing. */
export function toInput(v: CampaignFormValues): CampaignInput & { name: string } {
  return {
    name: v.name.trim(),
    description: v.description.trim(),
    provider: v.provider,
    agent_id: v.agent_id === "" ? null : Number(v.agent_id),
    from_number: v.from_number.trim(),
    max_concurrent: Number(v.max_concurrent),
    calls_per_second: Number(v.calls_per_second),
    hours_preset: v.hours_preset,
    time_zone: v.time_zone.trim(),
    retry_policy: policyOf(v),
    breaker: breakerOf(v),
    max_call_seconds: maxCallSecondsOf(v),
    start_at: fromLocalInput(v.start_at) ?? null,
    end_at: fromLocalInput(v.end_at) ?? null,
    end_action: v.end_action,
    reserved_headroom: Number(v.reserved_headroom),
  };
}

export function samePolicy(a: RetryPolicy | undefined, b: RetryPolicy | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.max_attempts === b.max_attempts &&
    OUTCOME_KEYS.every((o) => a[o]?.retry === b[o]?.retry && a[o]?.delay_minutes === b[o]?.delay_minutes)
  );
}

export function sameBreaker(a: BreakerSettings | undefined, b: BreakerSettings | undefined): boolean {
  if (!a || !b) return a === b;
  return Math.abs(a.failure_ratio - b.failure_ratio) < 1e-9 && a.min_dials === b.min_dials && a.window_s === b.window_s;
}

/**
 * Only what changed, for `campaign.update` (so a save never overwrites another tab's unrelated edit). The retry
 * policy and the breaker go whole when any part of them changed: the core fills keys left out with its
 * defaults, not with the campaign's current values.
 */
export function changes(original: Campaign, v: CampaignFormValues): CampaignInput {
  const next = toInput(v);
  const out: CampaignInput = {};
  for (const k of Object.keys(next) as (keyof CampaignInput)[]) {
    if (k === "retry_policy") {
      if (!samePolicy(next.retry_policy, original.retry_policy)) out.retry_policy = next.retry_policy;
    } else if (k === "breaker") {
      if (!sameBreaker(next.breaker, original.breaker)) out.breaker = next.breaker;
    } else if (k === "start_at" || k === "end_at") {
      if (!sameInstant(next[k], original[k])) out[k] = next[k];
    } else if (k === "end_action") {
      if (next.end_action !== (original.end_action ?? "complete")) out.end_action = next.end_action;
    } else if (k === "reserved_headroom") {
      if (next.reserved_headroom !== (original.reserved_headroom ?? 0)) out.reserved_headroom = next.reserved_headroom;
    } else if (next[k] !== original[k]) {
      (out as Record<string, unknown>)[k] = next[k];
    }
  }
  return out;
}

/** API field (as named in a `validation` message) → where the form shows it. */
const TARGETS: Record<string, ErrorTarget> = {
  name: "name",
  description: "description",
  provider: "provider",
  agent_id: "agent_id",
  from_number: "from_number",
  max_concurrent: "max_concurrent",
  calls_per_second: "calls_per_second",
  hours_preset: "hours_preset",
  time_zone: "time_zone",
  retry_policy: "retry_policy",
  breaker: "breaker",
  max_call_seconds: "max_call_minutes",
  start_at: "start_at",
  end_at: "end_at",
  end_action: "end_action",
  reserved_headroom: "reserved_headroom",
};

/**
 * Which field or section a server error is about, to show it there. The code decides what happened; the
 * field comes from the message's `field: …` prefix (docs/api.md: "message names the field"), used for
 * placement only.
 */
export function fieldForError(e: ApiError): ErrorTarget | null {
  if (e.code === "conflict") return "name";
  const m = /^\s*([a-z_]+)\s*:/.exec(e.message);
  const f = m?.[1];
  if (f && Object.hasOwn(TARGETS, f)) return TARGETS[f] ?? null;
  if (e.code === "not_found" && /\bagent\b/i.test(e.message)) return "agent_id";
  return null;
}
