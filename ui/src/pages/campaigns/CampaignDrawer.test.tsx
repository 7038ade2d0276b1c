import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyEvents } from "../../api/cache";
import { api } from "../../api/client";
import type { Campaign, WhyReport } from "../../api/types";
import { CampaignDrawer, readableTimes, WHY_REFRESH_MS } from "./CampaignDrawer";
import { DEFAULT_BREAKER, DEFAULT_RETRY_POLICY } from "./formModel";

function campaign(over: Partial<Campaign> = {}): Campaign {
  return {
    id: 3,
    name: "Test drives",
    description: "",
    status: "running",
    status_reason: "start by ui",
    provider: "sim",
    agent_id: null,
    from_number: "",
    max_concurrent: 10,
    calls_per_second: 2,
    hours_preset: "kw",
    time_zone: "Asia/Kuwait",
    retry_policy: { ...DEFAULT_RETRY_POLICY, voicemail: { retry: false, delay_minutes: 240 } },
    breaker: DEFAULT_BREAKER,
    max_call_seconds: 1200,
    contacts: 40,
    completed: 10,
    created_at: "2026-11-26T10:00:00Z",
    updated_at: "2026-11-26T10:00:00Z",
    ...over,
  };
}

const report = (summary: string): WhyReport => ({
  campaign_id: 3,
  status: "running",
  in_flight: 2,
  max_concurrent: 10,
  next_due_at: null,
  by_reason: [{ state: "done", reason: "", count: 10, label: "done" }],
  summary,
});

function renderDrawer(qc: QueryClient, c: Campaign) {
  const noop = () => {};
  const ui = (c: Campaign) => (
    <QueryClientProvider client={qc}>
      <CampaignDrawer campaign={c} agent={undefined} onClose={noop} onEdit={noop} onDelete={noop} onTransition={noop} onCancelCampaign={noop} />
    </QueryClientProvider>
  );
  const r = render(ui(c));
  return { rerender: (next: Campaign) => r.rerender(ui(next)) };
}

describe("CampaignDrawer", () => {
  let qc: QueryClient;
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  });
  afterEach(() => {
    qc.clear();
    vi.useRealTimers();
  });

  it("shows progress, the status reason and the settings in words", async () => {
    vi.spyOn(api.campaigns, "why").mockResolvedValue(report("Dialing."));
    renderDrawer(qc, campaign());
    expect(screen.getByTestId("progress-pct").textContent).toBe("25%");
    expect(screen.getByTestId("progress-contacts").textContent).toBe("40");
    expect(screen.getByTestId("progress-done").textContent).toBe("10");
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("25");
    expect(screen.getByTestId("status-reason").textContent).toContain("Started in the console");
    expect(screen.getByTestId("drawer-attempts").textContent).toBe("Up to 3 calls per contact (the first + 2 retries)");
    expect(screen.getByTestId("drawer-retry-no_answer").textContent).toBe("Retried after 2 h");
    expect(screen.getByTestId("drawer-retry-voicemail").textContent).toBe("Not retried");
    expect(screen.getByTestId("drawer-breaker").textContent).toBe("Pauses the campaign when more than 50% of the last 20 dials fail within 2 min");
    expect(screen.getByTestId("drawer-watchdog").textContent).toBe("Hangs up calls still going after 20 min");
    expect((await screen.findByTestId("why-summary")).textContent).toBe("Dialing.");
  });

  it("warns when the circuit breaker paused the campaign", async () => {
    vi.spyOn(api.campaigns, "why").mockResolvedValue(report("The campaign is paused."));
    renderDrawer(qc, campaign({ status: "paused", status_reason: "circuit breaker: 20 of the last 20 dials failed" }));
    expect(screen.getByTestId("status-alarm").textContent).toContain("Circuit breaker: 20 of the last 20 dials failed");
    await screen.findByTestId("why");
  });

  it("refetches the why-report every 5 s while running, and on a change event for it", async () => {
    const why = vi.spyOn(api.campaigns, "why").mockResolvedValue(report("Dialing."));
    const { rerender } = renderDrawer(qc, campaign());
    await screen.findByTestId("why");
    expect(why).toHaveBeenCalledTimes(1);
    await act(() => vi.advanceTimersByTimeAsync(WHY_REFRESH_MS + 10));
    expect(why).toHaveBeenCalledTimes(2);
    await act(() => vi.advanceTimersByTimeAsync(WHY_REFRESH_MS));
    expect(why).toHaveBeenCalledTimes(3);

    // A campaign_changed event for this campaign asks again at once.
    why.mockResolvedValue(report("Everyone left is outside their calling hours."));
    await act(async () => applyEvents(qc, [{ type: "campaign_changed", campaign: campaign({ completed: 11, updated_at: "2026-11-26T10:05:00Z" }) }]));
    expect(why).toHaveBeenCalledTimes(4);
    expect((await screen.findByText("Everyone left is outside their calling hours.")).getAttribute("data-testid")).toBe("why-summary");

    // Not running: no polling.
    rerender(campaign({ status: "paused", status_reason: "pause by ui" }));
    const calls = why.mock.calls.length;
    await act(() => vi.advanceTimersByTimeAsync(WHY_REFRESH_MS * 3));
    expect(why.mock.calls.length).toBe(calls);
    expect(screen.getByTestId("status-reason").textContent).toContain("Paused in the console");
  });
});

describe("readableTimes", () => {
  it("replaces the core's RFC 3339 instants with local time", () => {
    const out = readableTimes("the next contact becomes dialable at 2026-11-29T06:00:00.000000Z.");
    expect(out).not.toContain("2026-11-29T06");
    expect(out).toMatch(/^the next contact becomes dialable at .*2026.*\.$/);
    expect(readableTimes("Dialing.")).toBe("Dialing.");
  });
});

describe("schedule and headroom in the drawer", () => {
  it("shows the start, the end action and the headroom", () => {
    vi.spyOn(api.campaigns, "why").mockResolvedValue(report("Dialing."));
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <CampaignDrawer
          campaign={campaign({
            status: "scheduled",
            start_at: "2026-12-01T06:00:00.000000Z",
            end_at: "2026-12-02T06:00:00.000000Z",
            end_action: "pause",
            reserved_headroom: 2,
          })}
          agent={undefined}
          onClose={() => {}}
          onEdit={() => {}}
          onDelete={() => {}}
          onTransition={() => {}}
          onCancelCampaign={() => {}}
        />
      </QueryClientProvider>,
    );
    expect(screen.getByTestId("drawer-schedule").textContent).toMatch(/^Starts .*Pauses /);
    expect(screen.getByTestId("drawer-headroom").textContent).toContain("2 kept free");
  });
});
