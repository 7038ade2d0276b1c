// The live monitor's side of the event reducer: call, transcript and attention events applied to the
// TanStack cache once per batch. A batch of N events for the board makes one new list (rows that did not
// change keep their identity, so memoised rows do not re-render); calls the board has not seen yet are
// fetched together, a moment later, with `call.list {ids}`.

import type { QueryClient } from "@tanstack/react-query";
import { api, keys } from "./client";
import type { AttentionList, BoardCall, Call, CallDetail, CampaignEvent, TranscriptLine } from "./types";

export const IN_FLIGHT = new Set(["queued", "dialing", "ringing", "in_progress"]);

export function isInFlight(status: string): boolean {
  return IN_FLIGHT.has(status);
}

/** A board row from a bare call (names unknown until the row is fetched). */
export function rowFromCall(call: Call, prev?: BoardCall): BoardCall {
  return {
    campaign_name: null,
    contact_id: null,
    contact_name: null,
    contact_phone: null,
    agent_id: null,
    agent_name: null,
    error: null,
    sentiment: null,
    last_line: null,
    ...prev,
    id: call.id,
    campaign_id: call.campaign_id,
    provider: call.provider,
    provider_call_id: call.provider_call_id,
    status: call.status,
    outcome: call.outcome,
    disposition: call.disposition,
    started_at: call.started_at,
    answered_at: call.answered_at,
    ended_at: call.ended_at,
    duration_s: call.duration_s ?? prev?.duration_s ?? null,
    cost: call.cost ?? prev?.cost ?? null,
    created_at: call.created_at,
    updated_at: call.updated_at,
  };
}

function time(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** What one batch does to the board: changed calls and new transcript lines, by call id. */
export interface BoardPatch {
  calls: Map<number, Call>;
  lines: Map<number, TranscriptLine>;
}

export function boardPatch(events: readonly CampaignEvent[]): BoardPatch {
  const calls = new Map<number, Call>();
  const lines = new Map<number, TranscriptLine>();
  for (const e of events) {
    if (e.type === "call_changed") {
      const prev = calls.get(e.call.id);
      if (!prev || time(prev.updated_at) <= time(e.call.updated_at)) calls.set(e.call.id, e.call);
    } else if (e.type === "call_transcript") {
      lines.set(e.call_id, { role: e.role, text: e.text, at: e.at });
    }
  }
  return { calls, lines };
}

/**
 * Applies a patch to the board list; returns the new list (the same array when nothing changed) and the ids
 * of calls it did not know (to fetch). Newer rows win over older events.
 */
export function patchBoard(list: readonly BoardCall[], patch: BoardPatch): { list: BoardCall[]; unknown: number[] } {
  if (patch.calls.size === 0 && patch.lines.size === 0) return { list: list as BoardCall[], unknown: [] };
  const index = new Map<number, number>();
  list.forEach((c, i) => index.set(c.id, i));
  const next = list.slice();
  const unknown: number[] = [];
  let changed = false;
  for (const [id, call] of patch.calls) {
    const i = index.get(id);
    const prev = i === undefined ? undefined : next[i];
    if (prev && time(prev.updated_at) > time(call.updated_at)) continue;
    const row = rowFromCall(call, prev);
    if (i === undefined) {
      index.set(id, next.length);
      next.push(row);
      unknown.push(id);
    } else {
      next[i] = row;
    }
    changed = true;
  }
  for (const [id, line] of patch.lines) {
    const i = index.get(id);
    const prev = i === undefined ? undefined : next[i];
    if (!prev) continue;
    next[i as number] = { ...prev, last_line: line };
    changed = true;
  }
  return { list: changed ? next : (list as BoardCall[]), unknown };
}

/** Merges fetched rows (full data) into the board. */
export function mergeRows(list: readonly BoardCall[], rows: readonly BoardCall[]): BoardCall[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const seen = new Set<number>();
  const next = list.map((c) => {
    const r = byId.get(c.id);
    if (!r) return c;
    seen.add(c.id);
    // An event newer than the fetched row keeps its status; the row brings the names.
    return time(c.updated_at) > time(r.updated_at) ? { ...r, ...pickLive(c) } : r;
  });
  for (const r of rows) if (!seen.has(r.id)) next.push(r);
  return next;
}

function pickLive(c: BoardCall): Partial<BoardCall> {
  return {
    status: c.status,
    outcome: c.outcome,
    answered_at: c.answered_at,
    ended_at: c.ended_at,
    updated_at: c.updated_at,
    last_line: c.last_line,
  };
}

/** How many finished calls the board keeps (the oldest finished ones go first). */
export const BOARD_KEEP_FINISHED = 300;

/** Drops the oldest finished calls beyond the cap, so a board left open all day stays small. */
export function trimBoard(list: BoardCall[]): BoardCall[] {
  const finished = list.filter((c) => !isInFlight(c.status));
  if (finished.length <= BOARD_KEEP_FINISHED) return list;
  const keep = new Set(
    finished
      .sort((a, b) => time(b.updated_at) - time(a.updated_at))
      .slice(0, BOARD_KEEP_FINISHED)
      .map((c) => c.id),
  );
  return list.filter((c) => isInFlight(c.status) || keep.has(c.id));
}

const pending = new Set<number>();
let fetchTimer: ReturnType<typeof setTimeout> | null = null;
/** How long unknown ids are gathered before one `call.list {ids}`. */
export const FETCH_DELAY_MS = 250;

function scheduleFetch(qc: QueryClient, ids: number[]): void {
  for (const id of ids) pending.add(id);
  if (fetchTimer || pending.size === 0) return;
  fetchTimer = setTimeout(() => {
    fetchTimer = null;
    const batch = [...pending].slice(0, 1000);
    for (const id of batch) pending.delete(id);
    void api.calls.list({ ids: batch, limit: batch.length }).then(
      (rows) => qc.setQueryData<BoardCall[]>(keys.board, (list) => list && mergeRows(list, rows)),
      () => undefined,
    );
    if (pending.size > 0) scheduleFetch(qc, []);
  }, FETCH_DELAY_MS);
}

/** The live part of the reducer: one pass per batch. */
export function applyLiveEvents(qc: QueryClient, events: readonly CampaignEvent[]): void {
  const patch = boardPatch(events);
  if (patch.calls.size || patch.lines.size) {
    let unknown: number[] = [];
    qc.setQueryData<BoardCall[]>(keys.board, (list) => {
      if (!list) return list;
      const r = patchBoard(list, patch);
      unknown = r.unknown;
      return r.list === list ? list : trimBoard(r.list);
    });
    if (unknown.length) scheduleFetch(qc, unknown);
  }
  for (const e of events) {
    switch (e.type) {
      case "call_changed":
        qc.setQueryData<CallDetail>(keys.call(e.call.id), (d) =>
          d && time(d.call.updated_at) <= time(e.call.updated_at) ? { ...d, call: rowFromCall(e.call, d.call) } : d,
        );
        // Its timeline gains milestones; refetched only while someone is looking at it.
        void qc.invalidateQueries({ queryKey: keys.call(e.call.id), exact: true });
        break;
      case "call_transcript":
        qc.setQueryData<CallDetail>(keys.call(e.call_id), (d) =>
          d ? { ...d, transcript: [...d.transcript, { role: e.role, text: e.text, at: e.at }] } : d,
        );
        break;
      case "attention_changed":
        qc.setQueryData<AttentionList>(keys.attention, (l) => {
          if (!l) return l;
          const others = l.items.filter((i) => i.id !== e.item.id);
          return { open: e.open, items: [e.item, ...others] };
        });
        break;
      default:
        break;
    }
  }
}
