import type { AgentProvider, CampaignStatus, HoursPreset, Provider, RetryOutcome } from "../api/types";

export const PROVIDERS: { value: Provider; label: string; hint: string }[] = [
  { value: "sim", label: "Simulator", hint: "Built-in; no account needed" },
  { value: "elevenlabs", label: "ElevenLabs", hint: "Single outbound calls paced by Callboard (our windows, retries, DNC); choose the agent and number in the campaign" },
  { value: "elevenlabs-batch", label: "ElevenLabs batch", hint: "ElevenLabs batch calling: a running batch cannot be paused and there are no per-recipient windows (contacts outside theirs wait for a later wave)" },
  { value: "twilio", label: "Twilio", hint: "Media Streams to the console" },
  { value: "exotel", label: "Exotel", hint: "Voicebot flow to the console" },
];

export function providerLabel(p: string): string {
  return PROVIDERS.find((x) => x.value === p)?.label ?? p;
}

export const AGENT_PROVIDER_LABELS: Record<AgentProvider, string> = {
  elevenlabs: "ElevenLabs",
  "openai-realtime": "OpenAI Realtime",
  sim: "Simulator",
};

/** Calling windows, in the recipient's local time (see the core's engine/window.rs). */
export const HOURS_PRESETS: { value: HoursPreset; label: string; zone: string | null }[] = [
  { value: "always", label: "Always (no calling window)", zone: null },
  { value: "kw", label: "Kuwait (Sun–Thu 09–20)", zone: "Asia/Kuwait" },
  { value: "in", label: "India (Mon–Sat 10–19)", zone: "Asia/Kolkata" },
  { value: "us", label: "United States (daily 08–21)", zone: "America/New_York" },
];

export function hoursLabel(p: string): string {
  return HOURS_PRESETS.find((x) => x.value === p)?.label ?? p;
}

/** Short form for the table. */
export function hoursShort(p: string): string {
  switch (p) {
    case "always":
      return "Always";
    case "kw":
      return "Kuwait · Sun–Thu 09–20";
    case "in":
      return "India · Mon–Sat 10–19";
    case "us":
      return "US · daily 08–21";
    default:
      return p;
  }
}

export const STATUSES: CampaignStatus[] = ["draft", "scheduled", "running", "paused", "completed", "cancelled"];

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: "Draft",
  scheduled: "Scheduled",
  running: "Running",
  paused: "Paused",
  completed: "Completed",
  cancelled: "Cancelled",
};

/** The core allows editing only these (docs/api.md). */
export function isEditable(s: CampaignStatus): boolean {
  return s === "draft" || s === "scheduled" || s === "paused";
}

/** `campaign.delete` accepts any campaign that is not running. */
export function isDeletable(s: CampaignStatus): boolean {
  return s !== "running";
}

/** The outcomes a retry rule exists for, in the order the form and the drawer show them. */
export const RETRY_OUTCOMES: { value: RetryOutcome; label: string; hint: string }[] = [
  { value: "no_answer", label: "No answer", hint: "Rang out" },
  { value: "busy", label: "Busy", hint: "Line engaged" },
  { value: "voicemail", label: "Voicemail", hint: "Machine picked up" },
  { value: "failed", label: "Failed", hint: "Network or provider error" },
];

/** Engine alerts by kind (`alert` events); unknown kinds fall back to their raw name. */
export const ALERT_LABELS: Record<string, string> = {
  circuit_breaker: "Circuit breaker tripped",
  stuck_call: "Stuck call",
  elevenlabs_webhook_disabled: "ElevenLabs webhook disabled",
  elevenlabs_batch: "ElevenLabs batch",
};

export function alertLabel(kind: string): string {
  return ALERT_LABELS[kind] ?? "Alert";
}

const REASON_VERBS: Record<string, string> = {
  start: "Started",
  pause: "Paused",
  resume: "Resumed",
  cancel: "Cancelled",
  complete: "Completed",
};
const REASON_ACTORS: Record<string, string> = {
  ui: "in the console",
  cli: "from the command line",
  system: "by the engine",
};

/**
 * A campaign's `status_reason` for people: "start by ui" → "Started in the console"; engine reasons such
 * as "circuit breaker: 20 of the last 20 dials failed" keep their words, capitalised.
 */
export function statusReasonText(reason: string): string {
  const r = reason.trim();
  const m = /^([a-z]+) by ([a-z]+)$/.exec(r);
  if (m) {
    const verb = REASON_VERBS[m[1] ?? ""];
    const actor = REASON_ACTORS[m[2] ?? ""];
    if (verb && actor) return `${verb} ${actor}`;
  }
  if (r === "list exhausted") return "Every contact is done (list exhausted)";
  if (r === "schedule") return "Started by its schedule";
  if (r === "schedule: end time reached") return "Ended at its scheduled end time";
  const scheduled = /^scheduled by [a-z]+ to start at (.+)$/.exec(r);
  if (scheduled?.[1]) {
    const at = new Date(scheduled[1]);
    return Number.isNaN(at.getTime()) ? `Scheduled to start at ${scheduled[1]}` : `Scheduled to start ${at.toLocaleString()}`;
  }
  return r.charAt(0).toUpperCase() + r.slice(1);
}

/** A status reason that needs a supervisor's attention (the engine stopped the campaign by itself). */
export function isAlarmReason(reason: string): boolean {
  return /^circuit breaker\b/i.test(reason.trim());
}
