import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyEvents } from "./cache";
import { api, keys } from "./client";
import { BOARD_KEEP_FINISHED, boardPatch, FETCH_DELAY_MS, mergeRows, patchBoard, trimBoard } from "./live";
import { call, row } from "./testCalls";
import type { AttentionItem, AttentionList, BoardCall, Call, CallDetail, CampaignEvent } from "./types";

const changed = (c: Call): CampaignEvent => ({ type: "call_changed", call: c });

describe("the board reducer", () => {
  afterEach(() => vi.useRealTimers());

  it("changes only the rows a batch touches and keeps the others' identity", () => {
    const list = [row(1), row(2), row(3)];
    const patch = boardPatch([changed(call(2, { status: "ringing", updated_at: "2026-11-26T10:00:01Z" }))]);
    const { list: next, unknown } = patchBoard(list, patch);
    expect(unknown).toEqual([]);
    expect(next[0]).toBe(list[0]);
    expect(next[2]).toBe(list[2]);
    expect(next[1]).toMatchObject({ status: "ringing", contact_name: "Contact 2", agent_name: "Ava" });
  });

  it("keeps the newest version when events arrive out of order, in one batch or across batches", () => {
    const newer = call(1, { status: "in_progress", updated_at: "2026-11-26T10:00:05Z" });
    const older = call(1, { status: "ringing", updated_at: "2026-11-26T10:00:02Z" });
    expect(boardPatch([changed(newer), changed(older)]).calls.get(1)?.status).toBe("in_progress");
    const list = [row(1, { status: "in_progress", updated_at: "2026-11-26T10:00:05Z" })];
    const { list: next } = patchBoard(list, boardPatch([changed(older)]));
    expect(next).toBe(list);
  });

  it("adds calls it did not know and reports them for fetching", () => {
    const { list, unknown } = patchBoard([row(1)], boardPatch([changed(call(9))]));
    expect(unknown).toEqual([9]);
    expect(list.map((c) => c.id)).toEqual([1, 9]);
    expect(list[1]?.contact_name).toBeNull();
  });

  it("shows the last transcript line on the row", () => {
    const e: CampaignEvent = { type: "call_transcript", call_id: 2, role: "contact", text: "Saturday works", at: "2026-11-26T10:00:03Z" };
    const { list } = patchBoard([row(1), row(2)], boardPatch([e]));
    expect(list[1]?.last_line).toEqual({ role: "contact", text: "Saturday works", at: "2026-11-26T10:00:03Z" });
  });

  it("merges fetched rows without losing a newer status from an event", () => {
    const live = row(9, { contact_name: null, status: "in_progress", updated_at: "2026-11-26T10:00:09Z" });
    const fetched = row(9, { status: "ringing", updated_at: "2026-11-26T10:00:04Z" });
    const [merged] = mergeRows([live], [fetched]);
    expect(merged).toMatchObject({ contact_name: "Contact 9", status: "in_progress" });
  });

  it("drops the oldest finished calls beyond the cap but never a live one", () => {
    const finished = Array.from({ length: BOARD_KEEP_FINISHED + 10 }, (_, i) =>
      row(i + 1, { status: "completed", updated_at: new Date(Date.UTC(2026, 10, 26, 10, 0, i)).toISOString() }),
    );
    const live = row(10_000, { status: "ringing", updated_at: "2026-01-01T00:00:00Z" });
    const trimmed = trimBoard([live, ...finished]);
    expect(trimmed).toHaveLength(BOARD_KEEP_FINISHED + 1);
    expect(trimmed[0]).toBe(live);
    expect(trimmed.some((c) => c.id === 1)).toBe(false);
  });

  it("applies a batch to the cache once and fetches unknown calls together", async () => {
    vi.useFakeTimers();
    const qc = new QueryClient();
    qc.setQueryData(keys.board, [row(1)]);
    const fetch = vi.spyOn(api.calls, "list").mockResolvedValue([row(7), row(8)]);
    const listener = vi.fn();
    const unsub = qc.getQueryCache().subscribe(listener);
    applyEvents(qc, [changed(call(7)), changed(call(8)), changed(call(1, { status: "ringing", updated_at: "2026-11-26T10:00:01Z" }))]);
    const boardUpdates = listener.mock.calls.filter(([e]) => e.type === "updated" && e.query.queryKey[0] === "calls").length;
    expect(boardUpdates).toBe(1);
    await vi.advanceTimersByTimeAsync(FETCH_DELAY_MS + 1);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith({ ids: [7, 8], limit: 2 });
    const board = qc.getQueryData<BoardCall[]>(keys.board) ?? [];
    expect(board.map((c) => [c.id, c.contact_name])).toEqual([
      [1, "Contact 1"],
      [7, "Contact 7"],
      [8, "Contact 8"],
    ]);
    unsub();
  });

  it("streams transcript turns into an open call's detail and updates the attention list", () => {
    const qc = new QueryClient();
    const detail = { call: row(3), transcript: [], timeline: [] } as unknown as CallDetail;
    qc.setQueryData(keys.call(3), detail);
    const item = { id: 5, kind: "stuck_call", acked_at: null, count: 1 } as AttentionItem;
    qc.setQueryData<AttentionList>(keys.attention, { open: 0, items: [] });
    applyEvents(qc, [
      { type: "call_transcript", call_id: 3, role: "agent", text: "Hello", at: "2026-11-26T10:00:01Z" },
      { type: "call_transcript", call_id: 3, role: "contact", text: "Hi", at: "2026-11-26T10:00:02Z" },
      { type: "attention_changed", item, open: 1 },
    ]);
    expect(qc.getQueryData<CallDetail>(keys.call(3))?.transcript.map((t) => t.text)).toEqual(["Hello", "Hi"]);
    expect(qc.getQueryData<AttentionList>(keys.attention)).toEqual({ open: 1, items: [item] });
  });
});
