// Words and colours for calls: statuses, outcomes, sentiment, durations.

export const CALL_STATUS_LABELS: Record<string, string> = {
  queued: "Queued",
  dialing: "Dialing",
  ringing: "Ringing",
  in_progress: "In progress",
  transferred: "Transferred",
  completed: "Completed",
  no_answer: "No answer",
  busy: "Busy",
  voicemail: "Voicemail",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function callStatusLabel(s: string): string {
  return CALL_STATUS_LABELS[s] ?? s.replace(/_/g, " ");
}

/** Board order: live calls first, the most advanced first; then finished ones. */
export const STATUS_RANK: Record<string, number> = {
  in_progress: 0,
  ringing: 1,
  dialing: 2,
  queued: 3,
  transferred: 4,
  completed: 5,
  voicemail: 6,
  no_answer: 7,
  busy: 8,
  failed: 9,
  cancelled: 10,
};

export const OUTCOME_LABELS: Record<string, string> = {
  answered: "Answered",
  in_flight: "In flight",
  transferred: "Transferred",
  no_answer: "No answer",
  busy: "Busy",
  voicemail: "Voicemail",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function outcomeLabel(o: string): string {
  return OUTCOME_LABELS[o] ?? o.replace(/_/g, " ");
}

/** "0:07", "4:05", "1:02:03". */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A call's duration so far (live) or in all (ended), from its times. */
export function callSeconds(
  c: { started_at: string | null; answered_at: string | null; ended_at: string | null; created_at: string; duration_s: number | null },
  now: number,
): number {
  if (c.ended_at && c.duration_s != null) return c.duration_s;
  const start = Date.parse(c.answered_at ?? c.started_at ?? c.created_at);
  const end = c.ended_at ? Date.parse(c.ended_at) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? 0 : Math.max(0, (end - start) / 1000);
}

export function percent(r: number | null | undefined): string {
  return r == null ? "–" : `${Math.round(r * 100)}%`;
}

export function money(v: number): string {
  return v.toLocaleString(undefined, { style: "currency", currency: "USD", maximumFractionDigits: 2 });
}
