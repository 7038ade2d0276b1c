import { describe, expect, it } from "vitest";
import { row } from "../../api/testCalls";
import { counts, DEFAULT_FILTERS, moveSelection, visibleCalls } from "./board";

const now = Date.parse("2026-11-26T10:05:00Z");
const calls = [
  row(1, { status: "completed", ended_at: "2026-11-26T10:02:00Z", answered_at: "2026-11-26T10:00:10Z", contact_name: "Fatima" }),
  row(2, { status: "ringing", campaign_id: 2, campaign_name: "Loans" }),
  row(3, { status: "in_progress", answered_at: "2026-11-26T10:04:00Z", contact_name: "Rohan" }),
  row(4, { status: "in_progress", answered_at: "2026-11-26T10:01:00Z", provider: "twilio" }),
];

describe("the board's filters, order and selection", () => {
  it("puts live calls first, the most advanced first, then the newest", () => {
    expect(visibleCalls(calls, DEFAULT_FILTERS, now).map((c) => c.id)).toEqual([4, 3, 2, 1]);
  });

  it("sorts by longest talk and by newest", () => {
    expect(visibleCalls(calls, { ...DEFAULT_FILTERS, sort: "longest" }, now).map((c) => c.id)).toEqual([2, 4, 1, 3]);
    expect(visibleCalls(calls, { ...DEFAULT_FILTERS, sort: "newest" }, now).map((c) => c.id)).toEqual([4, 3, 2, 1]);
  });

  it("filters by scope, campaign, provider and text", () => {
    const f = DEFAULT_FILTERS;
    expect(visibleCalls(calls, { ...f, scope: "ended" }, now).map((c) => c.id)).toEqual([1]);
    expect(visibleCalls(calls, { ...f, scope: "live" }, now)).toHaveLength(3);
    expect(visibleCalls(calls, { ...f, campaignId: 2 }, now).map((c) => c.id)).toEqual([2]);
    expect(visibleCalls(calls, { ...f, provider: "twilio" }, now).map((c) => c.id)).toEqual([4]);
    expect(visibleCalls(calls, { ...f, query: "rohan" }, now).map((c) => c.id)).toEqual([3]);
    expect(visibleCalls(calls, { ...f, query: "+12125550001" }, now).map((c) => c.id)).toEqual([1]);
  });

  it("counts calls by state", () => {
    expect(counts(calls)).toEqual({ live: 3, ended: 1, ringing: 1, talking: 2 });
  });

  it("moves the selection within the list and starts at either end", () => {
    const ids = [4, 3, 2];
    expect(moveSelection(ids, null, 1)).toBe(4);
    expect(moveSelection(ids, null, -1)).toBe(2);
    expect(moveSelection(ids, 4, 1)).toBe(3);
    expect(moveSelection(ids, 2, 1)).toBe(2);
    expect(moveSelection(ids, 4, -1)).toBe(4);
    expect(moveSelection(ids, 99, 1)).toBe(4);
    expect(moveSelection([], 1, 1)).toBeNull();
  });
});
