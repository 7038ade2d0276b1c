import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyEvents } from "../../api/cache";
import { api } from "../../api/client";
import { call, row } from "../../api/testCalls";
import type { CallDetail } from "../../api/types";
import { LivePage } from "./LivePage";

function detail(id: number, over: Partial<CallDetail> = {}): CallDetail {
  return {
    call: row(id, { status: "in_progress", answered_at: "2026-11-26T10:00:05Z" }),
    contact: { id, name: `Contact ${id}`, phone_e164: "+12125550001", email: "", language: "", time_zone: "America/New_York", status: "active", variables: { plan: "gold" } },
    transcript: [{ role: "agent", text: "Hello there", at: "2026-11-26T10:00:06Z" }],
    timeline: [{ at: "2026-11-26T10:00:00Z", source: "call", label: "Queued", detail: null }],
    audit: [],
    provider_events: [],
    capabilities: { hang_up: true, whisper: false, transfer: true },
    listenable: false,
    summary: null,
    has_recording: false,
    results: { title: null, evaluation: [], data: [], termination_reason: null, credits: null },
    disclosure: null,
    ...over,
  };
}

describe("LivePage", () => {
  let qc: QueryClient;
  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  });
  afterEach(() => vi.restoreAllMocks());

  const renderPage = () =>
    render(
      <QueryClientProvider client={qc}>
        <LivePage />
      </QueryClientProvider>,
    );

  it("shows calls live, follows events, and opens a call from the keyboard", async () => {
    vi.spyOn(api.calls, "list").mockResolvedValue([
      row(1, { status: "completed", ended_at: "2026-11-26T10:02:00Z" }),
      row(2, { status: "ringing" }),
    ]);
    const get = vi.spyOn(api.calls, "get").mockImplementation(async (id) => detail(id));
    renderPage();
    const board = await screen.findByTestId("call-board");
    let rows = within(board).getAllByTestId("call-row");
    expect(rows.map((r) => r.dataset.callId)).toEqual(["2", "1"]);

    act(() => applyEvents(qc, [{ type: "call_changed", call: call(1, { status: "in_progress", updated_at: "2026-11-26T10:03:00Z" }) }]));
    // In progress now sorts above ringing (TanStack notifies observers on the next tick).
    await vi.waitFor(() => {
      rows = within(board).getAllByTestId("call-row");
      expect(rows.map((r) => [r.dataset.callId, r.dataset.status])).toEqual([
        ["1", "in_progress"],
        ["2", "ringing"],
      ]);
    });
    expect(screen.getByTestId("board-live-count").textContent).toBe("2");

    fireEvent.keyDown(document, { key: "j" });
    fireEvent.keyDown(document, { key: "j" });
    expect(within(board).getAllByTestId("call-row")[1]?.getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(document, { key: "Enter" });
    const drawer = await screen.findByTestId("drawer");
    expect(get).toHaveBeenCalledWith(2);
    await within(drawer).findByText("Hello there");
    expect(within(drawer).getByTestId("call-variables").textContent).toContain("plan");
  });

  it("disables what the provider cannot do, with the reason", async () => {
    vi.spyOn(api.calls, "list").mockResolvedValue([row(4, { status: "in_progress" })]);
    vi.spyOn(api.calls, "get").mockResolvedValue(detail(4, { capabilities: { hang_up: true, whisper: false, transfer: true } }));
    renderPage();
    fireEvent.click(await screen.findByTestId("call-row"));
    const drawer = await screen.findByTestId("drawer");
    const whisper = await within(drawer).findByTestId("call-whisper");
    expect(whisper).toHaveProperty("disabled", true);
    expect(whisper.parentElement?.getAttribute("title")).toBe("Simulator cannot whisper to the agent from here");
    expect(within(drawer).getByTestId("call-transfer")).toHaveProperty("disabled", false);
    expect(within(drawer).getByTestId("call-listen").parentElement?.getAttribute("title")).toMatch(/No live audio/);
    expect(within(drawer).getByTestId("call-hang-up")).toHaveProperty("disabled", false);
  });

  it("asks before ending a call and sends it", async () => {
    vi.spyOn(api.calls, "list").mockResolvedValue([row(4, { status: "in_progress" })]);
    vi.spyOn(api.calls, "get").mockResolvedValue(detail(4));
    const hangUp = vi.spyOn(api.calls, "hangUp").mockResolvedValue(row(4, { status: "completed" }));
    renderPage();
    fireEvent.click(await screen.findByTestId("call-row"));
    fireEvent.click(await screen.findByTestId("call-hang-up"));
    expect(hangUp).not.toHaveBeenCalled();
    fireEvent.click(await screen.findByTestId("confirm-ok"));
    await vi.waitFor(() => expect(hangUp).toHaveBeenCalledWith(4));
  });
});
