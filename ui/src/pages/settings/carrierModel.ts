// Pure helpers for the Twilio and Exotel panels and the campaign form: what a carrier's status says in words,
// and the caller-number lists as the textarea edits them.

import type { CarrierStatus } from "../../api/types";

export const CARRIER_LABEL: Record<CarrierStatus["provider"], string> = { twilio: "Twilio", exotel: "Exotel" };

/** "a", "a and b", "a, b and c". */
export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The status chip: tone and text. */
export function carrierChip(s: CarrierStatus | undefined): { tone: "ok" | "warn" | "unknown"; text: string } {
  if (!s) return { tone: "unknown", text: "Checking…" };
  if (s.configured) return { tone: "ok", text: "Ready" };
  return { tone: "warn", text: `Not configured: ${joinAnd(s.missing)} missing` };
}

/** Why a campaign on `provider` cannot call yet, in words; null when it can (or it is not a carrier). */
export function carrierNotice(provider: string, carriers: CarrierStatus[] | undefined, fromNumber: string): string | null {
  const s = carriers?.find((c) => c.provider === provider);
  if (!s) return null;
  const label = CARRIER_LABEL[s.provider];
  if (!s.configured) return `${label} is not configured: add the ${joinAnd(s.missing)} in Settings › ${label} before starting this campaign.`;
  if (fromNumber.trim() === "" && s.numbers.length === 0)
    return `${label} has no caller number: enter one here or add one in Settings › ${label}.`;
  return null;
}

/** Textarea text → numbers (one per line or comma-separated, blanks dropped). */
export function parseNumbers(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Which environment-set items to show, in words. */
export function envLabels(fromEnv: string[]): string[] {
  const words: Record<string, string> = {
    "twilio.account_sid": "Account SID",
    "twilio.auth_token": "Auth token",
    "exotel.account_sid": "Account SID",
    "exotel.api_key": "API key",
    "exotel.api_token": "API token",
    "exotel.webhook_secret": "webhook path secret",
    "exotel.flow_id": "flow id",
    base_url: "API base URL",
  };
  return fromEnv.map((e) => words[e] ?? e);
}
