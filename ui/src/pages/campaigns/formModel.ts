// The campaign form's values, its client-side checks (the same rules the core applies, so most mistakes are
// caught before a round trip) and the mapping of server errors onto fields.

import type { ApiError } from "../../api/error";
import type { Campaign, CampaignInput, HoursPreset, Provider } from "../../api/types";

export interface CampaignFormValues {
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
}

export type FieldName = keyof CampaignFormValues;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const NAME_MAX = 120;

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
  };
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
  };
}

export function validate(v: CampaignFormValues): FieldErrors {
  const errors: FieldErrors = {};
  const name = v.name.trim();
  if (!name) errors.name = "Give the campaign a name.";
  else if ([...name].length > NAME_MAX) errors.name = `At most ${NAME_MAX} characters.`;

  const mc = Number(v.max_concurrent);
  if (v.max_concurrent.trim() === "" || !Number.isInteger(mc) || mc < 1 || mc > 500)
    errors.max_concurrent = "A whole number from 1 to 500.";

  const cps = Number(v.calls_per_second);
  if (v.calls_per_second.trim() === "" || !Number.isFinite(cps) || cps < 0.1 || cps > 50)
    errors.calls_per_second = "From 0.1 to 50 calls per second.";

  if (!v.time_zone.trim()) errors.time_zone = "Pick a time zone, e.g. Asia/Kuwait.";
  return errors;
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
  };
}

/** Only what changed, for `campaign.update` (so a save never overwrites another tab's unrelated edit). */
export function changes(original: Campaign, v: CampaignFormValues): CampaignInput {
  const next = toInput(v);
  const out: CampaignInput = {};
  for (const k of Object.keys(next) as (keyof CampaignInput)[]) {
    if (next[k] !== original[k]) (out as Record<string, unknown>)[k] = next[k];
  }
  return out;
}

const FIELDS: FieldName[] = [
  "name",
  "description",
  "provider",
  "agent_id",
  "from_number",
  "max_concurrent",
  "calls_per_second",
  "hours_preset",
  "time_zone",
];

/**
 * Which field a server error is about, to highlight it. The code decides what happened; the field comes
 * from the message's `field: …` prefix (docs/api.md: "message names the field"), used for placement only.
 */
export function fieldForError(e: ApiError): FieldName | null {
  if (e.code === "conflict") return "name";
  const m = /^\s*([a-z_]+)\s*:/.exec(e.message);
  const f = m?.[1] as FieldName | undefined;
  if (f && FIELDS.includes(f)) return f;
  if (e.code === "not_found" && /\bagent\b/i.test(e.message)) return "agent_id";
  return null;
}
