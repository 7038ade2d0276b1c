import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import { row } from "../../api/testCalls";
import type { CallDetail, CallHistoryArgs } from "../../api/types";
import { CallsPage, historyArgs, periodStart } from "./CallsPage";

const ended = (id: number, over = {}) =>
  row(id, { status: "completed", outcome: "completed", answered_at: "2026-11-26T10:00:05Z", ended_at: "2026-11-26T10:01:35Z", duration_s: 90, ...over });

function detail(id: number): CallDetail {
  return {
    call: ended(id),
    contact: null,
    transcript: [{ role: "agent", text: "Would you like a test drive?", at: "2026-11-26T10:00:06Z" }],
    timeline: [],
    audit: [],
    provider_events: [],
    capabilities: { hang_up: false, whisper: false, transfer: false },
    listenable: false,
    summary: "Booked a test drive",
    has_recording: true,
    results: {
      title: "Test drive booked",
      evaluation: [{ id: "test_drive_booked", result: "success", rationale: "Saturday at 10" }],
      data: [
        { id: "interested_model", value: "Land Cruiser", rationale: null },
        { id: "callback_time", value: null, rationale: null },
      ],
      termination_reason: null,
      credits: 412,
    },
    disclosure: { text: "This call may be recorded.", heard_at: "2026-11-26T10:00:06Z" },
  };
}

describe("historyArgs", () => {
  it("leaves empty filters out and turns a period into a start time", () => {
    expect(historyArgs("  ", null, "", "")).toEqual({});
    const now = new Date(2026, 10, 26, 15, 30);
    const a = historyArgs(" test drive ", 4, "voicemail", "today", now);
    expect(a).toEqual({ search: "test drive", campaign_id: 4, outcome: ["voicemail"], since: new Date(2026, 10, 26).toISOString() });
    expect(periodStart("7d", now)).toBe(new Date(2026, 10, 19, 15, 30).toISOString());
  });
});

describe("CallsPage", () => {
  let qc: QueryClient;
  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    vi.spyOn(api.campaigns, "list").mockResolvedValue([]);
    // jsdom lays nothing out: give the scroller a viewport, as a browser would.
    vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(600);
    vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(1000);
  });
  afterEach(() => vi.restoreAllMocks());

  const renderPage = () =>
    render(
      <QueryClientProvider client={qc}>
        <CallsPage />
      </QueryClientProvider>,
    );

  it("lists finished calls, searches what was said, and opens a call with its recording", async () => {
    const history = vi.spyOn(api.calls, "history").mockImplementation(async (args: CallHistoryArgs) =>
      args.search
        ? { calls: [ended(2, { last_line: { role: "contact", text: "Thursday works", at: "2026-11-26T10:01:00Z" } })], next_before: null, total: 1 }
        : { calls: [ended(3), ended(2), ended(1, { status: "no_answer", outcome: "no_answer", answered_at: null })], next_before: null, total: 3 },
    );
    vi.spyOn(api.calls, "get").mockImplementation(async (id) => detail(id));
    renderPage();
    const table = await screen.findByTestId("calls-table");
    expect((await within(table).findAllByTestId("history-row")).map((r) => r.dataset.callId)).toEqual(["3", "2", "1"]);
    expect(screen.getByTestId("calls-total").textContent).toBe("3 calls");

    fireEvent.change(screen.getByTestId("calls-search"), { target: { value: "thursday" } });
    await vi.waitFor(() => expect(within(table).getAllByTestId("history-row")).toHaveLength(1));
    expect(history.mock.calls.at(-1)?.[0]).toMatchObject({ search: "thursday", limit: 100 });
    expect(within(table).getByText("Contact: Thursday works")).toBeTruthy();

    fireEvent.click(within(table).getByTestId("history-row"));
    expect(await screen.findByText("Booked a test drive")).toBeTruthy();
    // What the agent concluded: the evaluation, the data it collected (and what it did not), the credits.
    expect(screen.getByText("Results · Test drive booked")).toBeTruthy();
    expect(within(screen.getByTestId("criterion-test_drive_booked")).getByText("success")).toBeTruthy();
    expect(screen.getByTestId("collected-interested_model").textContent).toBe("Interested modelLand Cruiser");
    expect(screen.getByTestId("collected-callback_time").textContent).toContain("Not collected");
    expect(screen.getByTestId("call-credits").textContent).toBe("412 ElevenLabs credits");
  });

  it("exports the same selection as CSV, or as an Excel workbook", async () => {
    vi.spyOn(api.calls, "history").mockResolvedValue({ calls: [ended(1)], next_before: null, total: 1 });
    const exp = vi
      .spyOn(api.calls, "export")
      .mockResolvedValue({ filename: "callboard-calls.csv", rows: 1, truncated: false, media_type: "text/csv", encoding: "utf-8", content: "call_id\n1\n" });
    const created = vi.fn(() => "blob:x");
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() });
    renderPage();
    await within(await screen.findByTestId("calls-table")).findAllByTestId("history-row");
    fireEvent.change(screen.getByTestId("calls-outcome"), { target: { value: "completed" } });
    fireEvent.click(screen.getByTestId("calls-export"));
    expect((await screen.findByTestId("calls-export-note")).textContent).toBe("Exported 1 calls.");
    expect(exp.mock.calls[0]?.[0]).toEqual({ outcome: ["completed"], format: "csv" });
    expect(created).toHaveBeenCalled();

    // The workbook arrives as base64 and is saved as its bytes.
    exp.mockResolvedValue({
      filename: "callboard-calls.xlsx",
      rows: 1,
      truncated: false,
      media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      encoding: "base64",
      content: btoa("PK\u0003\u0004"),
    });
    fireEvent.change(screen.getByTestId("calls-export-format"), { target: { value: "xlsx" } });
    fireEvent.click(screen.getByTestId("calls-export"));
    await vi.waitFor(() => expect(exp).toHaveBeenCalledTimes(2));
    expect(exp.mock.calls[1]?.[0]).toEqual({ outcome: ["completed"], format: "xlsx" });
    await vi.waitFor(() => expect(created).toHaveBeenCalledTimes(2));
    const blob = (created.mock.calls[1] as unknown as [Blob])[0];
    expect(blob.type).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(blob.size).toBe(4);
  });

  it("starts with the search a link brought (an Analytics phrase)", async () => {
    window.location.hash = "#/calls?search=test+drive";
    const history = vi.spyOn(api.calls, "history").mockResolvedValue({ calls: [ended(4)], next_before: null, total: 1 });
    renderPage();
    expect((screen.getByTestId("calls-search") as HTMLInputElement).value).toBe("test drive");
    await vi.waitFor(() => expect(history).toHaveBeenCalled());
    expect(history.mock.calls[0]?.[0]).toMatchObject({ search: "test drive" });
    window.location.hash = "";
  });

  it("explains the page when no call has ended yet", async () => {
    vi.spyOn(api.calls, "history").mockResolvedValue({ calls: [], next_before: null, total: 0 });
    renderPage();
    expect(await screen.findByText("No finished calls yet")).toBeTruthy();
  });
});
