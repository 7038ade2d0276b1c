import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyEvents } from "../../api/cache";
import { api } from "../../api/client";
import type { WebhookEvent, WebhookList } from "../../api/types";
import { WebhooksCard } from "./WebhooksCard";

function event(over: Partial<WebhookEvent>): WebhookEvent {
  return {
    id: 1,
    provider: "twilio",
    type: "status.completed",
    idempotency_key: "CA1:completed",
    status: "applied",
    error: null,
    received_at: new Date().toISOString(),
    call_id: 7,
    ...over,
  };
}

function list(events: WebhookEvent[]): WebhookList {
  return {
    events,
    counts: [
      { provider: "twilio", status: "applied", count: 1 },
      { provider: "exotel", status: "rejected", count: 1 },
    ],
    rejected_since_start: 1,
  };
}

describe("WebhooksCard", () => {
  let qc: QueryClient;
  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  });
  afterEach(() => vi.restoreAllMocks());

  function renderCard() {
    return render(
      <QueryClientProvider client={qc}>
        <WebhooksCard />
      </QueryClientProvider>,
    );
  }

  it("lists deliveries with counters, filters by status and opens the body viewer", async () => {
    vi.spyOn(api.webhooks, "list").mockResolvedValue(
      list([
        event({ id: 2, provider: "exotel", type: "exotel/status", status: "rejected", error: "unknown webhook secret", call_id: null }),
        event({ id: 1 }),
      ]),
    );
    const get = vi.spyOn(api.webhooks, "get").mockResolvedValue({
      ...event({ id: 1 }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "CallSid=CA1&CallStatus=completed",
      body_size: 32,
      body_path: null,
      occurred_at: null,
      applied_at: new Date().toISOString(),
      attempts: 1,
    });
    renderCard();
    expect(await screen.findAllByTestId("webhook-row")).toHaveLength(2);
    expect(within(screen.getByTestId("webhook-count-applied")).getByText("1")).toBeTruthy();
    expect(screen.getByText("unknown webhook secret")).toBeTruthy();

    fireEvent.click(screen.getByRole("radio", { name: "Rejected" }));
    const rows = screen.getAllByTestId("webhook-row");
    expect(rows.map((r) => r.dataset.status)).toEqual(["rejected"]);

    fireEvent.click(screen.getByRole("radio", { name: "All" }));
    fireEvent.click(screen.getAllByTestId("webhook-row")[1]!);
    expect(get).toHaveBeenCalledWith(1);
    const body = await screen.findByTestId("webhook-body");
    expect(body.textContent).toBe("CallSid = CA1\nCallStatus = completed");
  });

  it("refetches when a delivery arrives", async () => {
    const first = list([event({ id: 1 })]);
    const second = list([event({ id: 2, type: "status.ringing", status: "pending" }), event({ id: 1 })]);
    const spy = vi.spyOn(api.webhooks, "list").mockResolvedValueOnce(first).mockResolvedValue(second);
    renderCard();
    expect(await screen.findAllByTestId("webhook-row")).toHaveLength(1);
    act(() => applyEvents(qc, [{ type: "webhook_received", id: 2, provider: "twilio", kind: "status.ringing", status: "pending" }]));
    expect(await screen.findByText("status.ringing")).toBeTruthy();
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("says so when nothing came yet", async () => {
    vi.spyOn(api.webhooks, "list").mockResolvedValue({ events: [], counts: [], rejected_since_start: 0 });
    renderCard();
    expect((await screen.findByTestId("webhook-empty")).textContent).toMatch(/No deliveries yet/);
  });
});
