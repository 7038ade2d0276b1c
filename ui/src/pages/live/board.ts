// The board's pure logic: filtering, sorting and counting calls, and moving the keyboard selection.

import { isInFlight } from "../../api/live";
import type { BoardCall } from "../../api/types";
import { callSeconds, STATUS_RANK } from "../../lib/callLabels";

export type Scope = "live" | "ended" | "all";
export type SortKey = "status" | "newest" | "longest";

export interface BoardFilters {
  scope: Scope;
  campaignId: number | null;
  provider: string | null;
  query: string;
  sort: SortKey;
}

export const DEFAULT_FILTERS: BoardFilters = { scope: "all", campaignId: null, provider: null, query: "", sort: "status" };

function matches(c: BoardCall, f: BoardFilters): boolean {
  if (f.scope === "live" && !isInFlight(c.status)) return false;
  if (f.scope === "ended" && isInFlight(c.status)) return false;
  if (f.campaignId != null && c.campaign_id !== f.campaignId) return false;
  if (f.provider && c.provider !== f.provider) return false;
  const q = f.query.trim().toLowerCase();
  if (q) {
    const hay = `${c.contact_name ?? ""} ${c.contact_phone ?? ""} ${c.campaign_name ?? ""} #${c.id}`.toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

export function visibleCalls(list: readonly BoardCall[], f: BoardFilters, now: number): BoardCall[] {
  const out = list.filter((c) => matches(c, f));
  const byNewest = (a: BoardCall, b: BoardCall) => b.id - a.id;
  switch (f.sort) {
    case "newest":
      return out.sort(byNewest);
    case "longest":
      return out.sort((a, b) => callSeconds(b, now) - callSeconds(a, now) || byNewest(a, b));
    default:
      return out.sort((a, b) => (STATUS_RANK[a.status] ?? 99) - (STATUS_RANK[b.status] ?? 99) || byNewest(a, b));
  }
}

export function counts(list: readonly BoardCall[]): { live: number; ended: number; ringing: number; talking: number } {
  let live = 0;
  let ringing = 0;
  let talking = 0;
  for (const c of list) {
    if (isInFlight(c.status)) live += 1;
    if (c.status === "ringing" || c.status === "dialing") ringing += 1;
    if (c.status === "in_progress") talking += 1;
  }
  return { live, ended: list.length - live, ringing, talking };
}

/** The id `step` rows away from `current` in `ids` (first or last when nothing is selected). */
export function moveSelection(ids: readonly number[], current: number | null, step: number): number | null {
  if (ids.length === 0) return null;
  const i = current == null ? -1 : ids.indexOf(current);
  if (i < 0) return step > 0 ? (ids[0] ?? null) : (ids[ids.length - 1] ?? null);
  return ids[Math.min(ids.length - 1, Math.max(0, i + step))] ?? null;
}
