// Rules for the Webhooks view, kept apart from the markup so they are tested on their own.

import type { WebhookList, WebhookProvider, WebhookStatus } from "../../api/types";

export const PROVIDER_NAMES: Record<WebhookProvider, string> = {
  elevenlabs: "ElevenLabs",
  twilio: "Twilio",
  exotel: "Exotel",
  openai: "OpenAI",
};

export const STATUS_TEXT: Record<WebhookStatus, string> = {
  applied: "Applied",
  duplicate: "Duplicate",
  pending: "Waiting",
  failed: "Failed",
  rejected: "Rejected",
};

/** The server shows at most this much of a body. */
export const BODY_VIEW_MAX = 64 * 1024;

/** Sums the per-provider counters by status (every status present, zero when absent). */
export function totals(counts: WebhookList["counts"]): Record<WebhookStatus, number> {
  const t: Record<WebhookStatus, number> = { applied: 0, duplicate: 0, pending: 0, failed: 0, rejected: 0 };
  for (const c of counts) if (c.status in t) t[c.status] += c.count;
  return t;
}

/**
 * A body for the viewer: JSON pretty-printed, a form one field per line (decoded), anything else as it is.
 * `truncated` when the server cut it (then JSON will not parse and is shown raw).
 */
export function formatBody(body: string | null, size?: number | null): { text: string; truncated: boolean } | null {
  if (body == null) return null;
  const truncated = (size ?? body.length) > BODY_VIEW_MAX;
  const trimmed = body.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), truncated };
    } catch {
      return { text: body, truncated };
    }
  }
  if (/^[^\s=&]+=[^\s]*(&[^\s=&]+=[^\s]*)*$/.test(trimmed)) {
    const lines = [...new URLSearchParams(trimmed)].map(([k, v]) => `${k} = ${v}`);
    return { text: lines.join("\n"), truncated };
  }
  return { text: body, truncated };
}
