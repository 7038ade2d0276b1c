// Pure helpers for the OpenAI Realtime profile editor: weekly hours as text, list fields as lines, and the
// intake schema's JSON text checked before it is sent (the server has the final word: it compiles the schema).

import type { WindowHours } from "../../api/types";

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
export const MODELS = ["gpt-realtime-2.1", "gpt-realtime-2.1-mini", "gpt-realtime-2", "gpt-realtime-1.5"];
export const VOICES = ["marin", "cedar", "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse"];

const hhmm = (t: string) => t.slice(0, 5);

/** One day's hours as `09:00-17:00, 18:00-20:00`; empty when closed. */
export function dayToText(hours: WindowHours[]): string {
  return hours.map((h) => `${hhmm(h.start)}-${h.end === null ? "24:00" : hhmm(h.end)}`).join(", ");
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses a day's text back; `error` says what is wrong. */
export function textToDay(text: string): { hours: WindowHours[]; error?: string } {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const hours: WindowHours[] = [];
  for (const part of parts) {
    const m = part.split("-").map((s) => s.trim());
    if (m.length !== 2 || !TIME.test(m[0]) || !(TIME.test(m[1]) || m[1] === "24:00")) {
      return { hours: [], error: `"${part}" is not a range like 09:00-17:00` };
    }
    const end = m[1] === "24:00" ? null : `${m[1]}:00`;
    if (end !== null && m[1] <= m[0]) return { hours: [], error: `"${part}" ends before it starts` };
    hours.push({ start: `${m[0]}:00`, end });
  }
  return { hours };
}

export const linesToList = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/** The intake schema text as JSON, or the first problem the editor can see. */
export function parseSchema(text: string): { value?: Record<string, unknown>; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "The schema must be a JSON object" };
  const v = value as Record<string, unknown>;
  if (v.type !== "object") return { error: 'The schema must describe an object ("type": "object")' };
  const props = v.properties as Record<string, unknown> | undefined;
  if (!props || typeof props !== "object" || !("urgency" in props)) return { error: 'The schema needs an "urgency" property' };
  return { value: v };
}
