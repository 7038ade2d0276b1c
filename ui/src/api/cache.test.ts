import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { applyEvents, byNewest, removeById, upsertById } from "./cache";
import { keys } from "./client";
import type { Agent, Campaign } from "./types";

function campaign(id: number, over: Partial<Campaign> = {}): Campaign {
  return {
    id,
    name: `Campaign ${id}`,
    description: "",
    status: "draft",
    status_reason: "",
    provider: "sim",
    agent_id: null,
    from_number: "",
    max_concurrent: 5,
    calls_per_second: 1,
    hours_preset: "always",
    time_zone: "UTC",
    retry_policy: {
      max_attempts: 3,
      no_answer: { retry: true, delay_minutes: 120 },
      busy: { retry: true, delay_minutes: 15 },
      voicemail: { retry: true, delay_minutes: 240 },
      failed: { retry: true, delay_minutes: 10 },
    },
    breaker: { failure_ratio: 0.5, min_dials: 20, window_s: 120 },
    max_call_seconds: 900,
    contacts: 0,
    completed: 0,
    created_at: `2026-11-26T10:00:0${id}.5Z`,
    updated_at: `2026-11-26T10:00:0${id}.5Z`,
    ...over,
  };
}

function agent(id: number, name: string): Agent {
  const at = `2026-11-26T09:00:0${id}Z`;
  return { id, name, provider: "sim", language: "en", voice: "", prompt: "", first_message: "", disclosure: "", created_at: at, updated_at: at };
}

describe("upsertById / removeById", () => {
  it("replaces in place or appends, without mutating the input", () => {
    const list = [{ id: 1, v: "a" }, { id: 2, v: "b" }];
    expect(upsertById(list, { id: 2, v: "B" })).toEqual([{ id: 1, v: "a" }, { id: 2, v: "B" }]);
    expect(upsertById(list, { id: 3, v: "c" })).toEqual([...list, { id: 3, v: "c" }]);
    expect(list[1]?.v).toBe("b");
    expect(removeById(list, 1)).toEqual([{ id: 2, v: "b" }]);
    expect(removeById(list, 99)).toEqual(list);
  });

  it("orders newest first even when fraction digits differ", () => {
    const a = campaign(1, { created_at: "2026-11-26T20:44:40.55748Z" });
    const b = campaign(2, { created_at: "2026-11-26T20:44:40.557481Z" });
    const c = campaign(3, { created_at: "2026-11-26T20:44:47.4Z" });
    expect([a, b, c].sort(byNewest).map((x) => x.id)).toEqual([3, 2, 1]);
  });
});

describe("applyEvents", () => {
  const setup = () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.campaigns, [campaign(2), campaign(1)]);
    return qc;
  };

  it("upserts a changed campaign by id", () => {
    const qc = setup();
    applyEvents(qc, [{ type: "campaign_changed", campaign: campaign(1, { name: "Renamed", updated_at: "2026-11-26T11:00:00Z" }) }]);
    const list = qc.getQueryData<Campaign[]>(keys.campaigns);
    expect(list?.map((c) => [c.id, c.name])).toEqual([
      [2, "Campaign 2"],
      [1, "Renamed"],
    ]);
    expect(qc.getQueryData<Campaign>(keys.campaign(1))?.name).toBe("Renamed");
  });

  it("adds a new campaign at the top", () => {
    const qc = setup();
    applyEvents(qc, [{ type: "campaign_changed", campaign: campaign(3) }]);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)?.map((c) => c.id)).toEqual([3, 2, 1]);
  });

  it("removes a deleted campaign and its detail entry", () => {
    const qc = setup();
    qc.setQueryData(keys.campaign(2), campaign(2));
    applyEvents(qc, [{ type: "campaign_deleted", id: 2 }]);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)?.map((c) => c.id)).toEqual([1]);
    expect(qc.getQueryData(keys.campaign(2))).toBeUndefined();
  });

  it("does not bring back a deleted campaign on a late change, but shows a new one that reuses its id", () => {
    const qc = setup();
    const late = campaign(2, { status: "running", updated_at: "2026-11-26T12:00:00Z" });
    applyEvents(qc, [{ type: "campaign_deleted", id: 2 }]);
    applyEvents(qc, [{ type: "campaign_changed", campaign: late }]);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)?.map((c) => c.id)).toEqual([1]);
    expect(qc.getQueryData(keys.campaign(2))).toBeUndefined();
    const reused = campaign(2, { name: "Reused", created_at: "2026-11-27T09:00:00Z", updated_at: "2026-11-27T09:00:00Z" });
    applyEvents(qc, [{ type: "campaign_changed", campaign: reused }]);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)?.map((c) => c.name)).toEqual(["Reused", "Campaign 1"]);
  });

  it("applies a batch in order", () => {
    const qc = setup();
    applyEvents(qc, [
      { type: "campaign_changed", campaign: campaign(3) },
      { type: "campaign_changed", campaign: campaign(3, { name: "Three", updated_at: "2026-11-26T12:00:00Z" }) },
      { type: "campaign_deleted", id: 1 },
    ]);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)?.map((c) => c.name)).toEqual(["Three", "Campaign 2"]);
  });

  it("keeps a newer copy over an older one that arrives late", () => {
    const qc = setup();
    const newer = campaign(1, { name: "New", updated_at: "2026-11-26T12:00:00Z" });
    const older = campaign(1, { name: "Old", updated_at: "2026-11-26T11:00:00Z" });
    applyEvents(qc, [{ type: "campaign_changed", campaign: newer }]);
    applyEvents(qc, [{ type: "campaign_changed", campaign: older }]);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)?.find((c) => c.id === 1)?.name).toBe("New");
  });

  it("leaves lists that were never loaded alone", () => {
    const qc = new QueryClient();
    applyEvents(qc, [
      { type: "campaign_changed", campaign: campaign(1) },
      { type: "campaign_deleted", id: 1 },
      { type: "agent_changed", agent: agent(1, "Sara") },
    ]);
    expect(qc.getQueryData(keys.campaigns)).toBeUndefined();
    expect(qc.getQueryData(keys.agents)).toBeUndefined();
  });

  it("upserts agents", () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.agents, [agent(1, "Sara")]);
    applyEvents(qc, [{ type: "agent_changed", agent: agent(2, "Priya") }]);
    applyEvents(qc, [{ type: "agent_changed", agent: { ...agent(1, "Sara K"), updated_at: "2026-11-26T12:00:00Z" } }]);
    expect(qc.getQueryData<Agent[]>(keys.agents)?.map((a) => a.name)).toEqual(["Priya", "Sara K"]);
  });

  it("refetches everything on resync and ignores unknown events", () => {
    const qc = setup();
    const spy = vi.spyOn(qc, "invalidateQueries");
    applyEvents(qc, [{ type: "future_thing" } as never, { type: "resync" }]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(qc.getQueryData<Campaign[]>(keys.campaigns)).toHaveLength(2);
  });

  it("marks a campaign's explanation stale when it changes or an alert names it", () => {
    const qc = setup();
    qc.setQueryData(keys.why(1), { summary: "Dialing." });
    qc.setQueryData(keys.why(2), { summary: "Dialing." });
    applyEvents(qc, [{ type: "campaign_changed", campaign: campaign(1, { updated_at: "2026-11-26T12:00:00Z" }) }]);
    expect(qc.getQueryState(keys.why(1))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.why(2))?.isInvalidated).toBe(false);
    applyEvents(qc, [{ type: "alert", kind: "circuit_breaker", campaign_id: 2, message: "paused" }]);
    expect(qc.getQueryState(keys.why(2))?.isInvalidated).toBe(true);
    applyEvents(qc, [{ type: "campaign_deleted", id: 2 }]);
    expect(qc.getQueryData(keys.why(2))).toBeUndefined();
  });

  it("marks contact lists and campaign counts stale when an import finishes", () => {
    const qc = setup();
    qc.setQueryData(keys.contacts({ campaign_id: 1 }), { pages: [], pageParams: [] });
    qc.setQueryData(keys.contacts({}), { pages: [], pageParams: [] });
    applyEvents(qc, [{ type: "import_progress", import_id: 1, campaign_id: 1, progress: { total_rows: 1, rows_scanned: 1, rows_read: 1, committed: 0 } }]);
    expect(qc.getQueryState(keys.contacts({}))?.isInvalidated).toBe(false);
    applyEvents(qc, [{ type: "import_finished", import_id: 1, campaign_id: 1, summary: null, error: null }]);
    expect(qc.getQueryState(keys.contacts({ campaign_id: 1 }))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.contacts({}))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.campaigns)?.isInvalidated).toBe(true);
  });
});
