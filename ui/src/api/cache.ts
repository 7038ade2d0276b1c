// Applies event batches (and our own mutation results) to the TanStack Query cache, so every open tab or
// window shows the same data without refetching.

import type { QueryClient } from "@tanstack/react-query";
import { keys } from "./client";
import { applyLiveEvents } from "./live";
import type { Agent, Campaign, CampaignEvent } from "./types";

/** Newest first, as `campaign.list` returns them. */
export function byNewest(a: { created_at: string; id: number }, b: { created_at: string; id: number }): number {
  // Parse rather than compare strings: the core writes a variable number of fraction digits.
  return time(b.created_at) - time(a.created_at) || b.id - a.id;
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** The newer of two versions of a record: an event that raced our own (older) mutation result must win. */
function newer<T extends { updated_at: string }>(current: T | undefined, incoming: T): T {
  return current && time(current.updated_at) > time(incoming.updated_at) ? current : incoming;
}

/** Replaces the item with the same id, or adds it; keeps `order`. Returns a new array. */
export function upsertById<T extends { id: number }>(list: readonly T[], item: T, order?: (a: T, b: T) => number): T[] {
  const i = list.findIndex((x) => x.id === item.id);
  const next = i >= 0 ? list.map((x, j) => (j === i ? item : x)) : [...list, item];
  return order ? next.sort(order) : next;
}

export function removeById<T extends { id: number }>(list: readonly T[], id: number): T[] {
  return list.filter((x) => x.id !== id);
}

/**
 * Campaigns this client saw deleted: id → creation time. An engine step that committed just before the delete
 * can announce the campaign after the deletion arrives; that late word must not bring the row back. Keyed by
 * creation time too, because SQLite reuses the highest id once it is free.
 */
const deletedCampaigns = new WeakMap<QueryClient, Map<number, string>>();

function isDeleted(qc: QueryClient, campaign: Campaign): boolean {
  return deletedCampaigns.get(qc)?.get(campaign.id) === campaign.created_at;
}

function rememberDeleted(qc: QueryClient, id: number): void {
  const known = qc.getQueryData<Campaign>(keys.campaign(id)) ?? qc.getQueryData<Campaign[]>(keys.campaigns)?.find((c) => c.id === id);
  if (!known) return;
  let deleted = deletedCampaigns.get(qc);
  if (!deleted) deletedCampaigns.set(qc, (deleted = new Map()));
  deleted.set(id, known.created_at);
}

/** The reducer: one batch of events applied to the cache. Lists not yet loaded are left alone. */
export function applyEvents(qc: QueryClient, events: readonly CampaignEvent[]): void {
  applyLiveEvents(qc, events);
  for (const e of events) {
    switch (e.type) {
      case "campaign_changed":
        if (isDeleted(qc, e.campaign)) break;
        qc.setQueryData<Campaign[]>(
          keys.campaigns,
          (list) => list && upsertById(list, newer(list.find((c) => c.id === e.campaign.id), e.campaign), byNewest),
        );
        qc.setQueryData<Campaign>(keys.campaign(e.campaign.id), (c) => newer(c, e.campaign));
        // Its explanation depends on it; refetched only if someone is looking at it.
        void qc.invalidateQueries({ queryKey: keys.why(e.campaign.id), exact: true });
        void qc.invalidateQueries({ queryKey: keys.campaignStats(e.campaign.id), exact: true });
        break;
      case "campaign_deleted":
        rememberDeleted(qc, e.id);
        qc.setQueryData<Campaign[]>(keys.campaigns, (list) => list && removeById(list, e.id));
        qc.removeQueries({ queryKey: keys.campaign(e.id), exact: true });
        qc.removeQueries({ queryKey: keys.why(e.id), exact: true });
        break;
      case "agent_changed":
        qc.setQueryData<Agent[]>(keys.agents, (list) => list && upsertById(list, newer(list.find((a) => a.id === e.agent.id), e.agent), byNewest));
        break;
      case "alert":
        // Shown by the app shell (see App.tsx); its campaign's explanation is probably stale.
        if (e.campaign_id != null) void qc.invalidateQueries({ queryKey: keys.why(e.campaign_id), exact: true });
        break;
      case "webhook_received":
        // The list refetches only while the Webhooks view is open; a delivery changes status as it applies.
        void qc.invalidateQueries({ queryKey: keys.webhooks, exact: true });
        void qc.invalidateQueries({ queryKey: keys.webhook(e.id), exact: true });
        break;
      case "import_finished":
        // New contacts: lists of contacts and the campaigns' contact counts are stale.
        void qc.invalidateQueries({ queryKey: keys.contactsAll });
        void qc.invalidateQueries({ queryKey: keys.campaigns, exact: true });
        void qc.invalidateQueries({ queryKey: keys.campaign(e.campaign_id), exact: true });
        break;
      case "call_phase":
        // The drawer's agent panel refetches if it is open.
        void qc.invalidateQueries({ queryKey: keys.callAgent(e.call_id), exact: true });
        break;
      case "resync":
        void qc.invalidateQueries();
        break;
      default:
        // A newer core may send events this UI does not know yet; ignore them.
        break;
    }
  }
}
