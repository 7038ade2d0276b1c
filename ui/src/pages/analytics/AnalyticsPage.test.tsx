import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { Analytics, AnalyticsArgs } from "../../api/types";
import { AnalyticsPage, analyticsArgs, periodSince } from "./AnalyticsPage";

const row = (key: string, name: string, dials: number, connects: number, successes: number) => ({
  key,
  name,
  dials,
  connects,
  successes,
  voicemails: 0,
  avg_duration_s: connects ? 75 : null,
  cost: dials * 0.1,
  connect_rate: dials ? connects / dials : null,
  success_rate: connects ? successes / connects : null,
  voicemail_rate: dials ? 0 : null,
  cost_per_success: successes ? (dials * 0.1) / successes : null,
});

function figures(over: Partial<Analytics> = {}): Analytics {
  return {
    since: "2026-10-28T00:00:00Z",
    until: "2026-11-27T00:00:00Z",
    totals: { dials: 40, connects: 20, successes: 5, voicemails: 8, avg_duration_s: 75, cost: 4 },
    rates: { connect_rate: 0.5, success_rate: 0.25, voicemail_rate: 0.2, cost_per_success: 0.8 },
    days: [row("2026-11-25T00:00:00Z", "", 10, 5, 1), row("2026-11-26T00:00:00Z", "", 30, 15, 4)],
    by_campaign: [row("1", "Renewals", 30, 15, 4), row("2", "Service", 10, 5, 1)],
    by_agent: [row("1", "Sara", 40, 20, 5)],
    dispositions: [["booked", 5], ["not_interested", 3]],
    sentiment: [["positive", 6], ["negative", 2]],
    top_phrases: [["test drive", 7], ["financing", 3]],
    ...over,
  };
}

describe("analyticsArgs", () => {
  it("starts the period at a local midnight, today being one of its days", () => {
    const now = new Date(2026, 10, 27, 15, 30);
    expect(periodSince(7, now)).toBe(new Date(2026, 10, 21).toISOString());
    expect(analyticsArgs(30, 4, null, now)).toEqual({ since: new Date(2026, 9, 29).toISOString(), campaign_id: 4 });
  });
});

describe("AnalyticsPage", () => {
  let qc: QueryClient;
  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    vi.spyOn(api.campaigns, "list").mockResolvedValue([]);
    vi.spyOn(api.agents, "list").mockResolvedValue([]);
  });
  afterEach(() => vi.restoreAllMocks());
  const renderPage = () =>
    render(
      <QueryClientProvider client={qc}>
        <AnalyticsPage />
      </QueryClientProvider>,
    );

  it("shows rates, campaigns, agents, dispositions and phrases, and asks again for another period", async () => {
    const get = vi.spyOn(api.stats, "analytics").mockResolvedValue(figures());
    renderPage();
    expect((await screen.findByTestId("an-connect")).textContent).toContain("50%");
    expect(screen.getByTestId("an-cost").textContent).toContain("$0.80");
    const campaigns = screen.getByTestId("an-campaigns");
    expect(within(campaigns).getByText("Renewals")).toBeTruthy();
    expect(within(screen.getByTestId("an-agents")).getByText("Sara")).toBeTruthy();
    expect(within(screen.getByTestId("an-dispositions")).getByText(/not interested/)).toBeTruthy();
    expect(within(screen.getByTestId("an-phrases")).getByText("test drive")).toBeTruthy();
    // A phrase opens the Calls page searching for it.
    expect(within(screen.getByTestId("an-phrases")).getByText("test drive").getAttribute("href")).toBe("#/calls?search=test+drive");

    fireEvent.click(screen.getByTestId("period-7"));
    await vi.waitFor(() => expect(get).toHaveBeenCalledTimes(2));
    const args = get.mock.calls[1]?.[0] as AnalyticsArgs;
    expect(Date.parse(args.since ?? "")).toBeGreaterThan(Date.now() - 8 * 86_400_000);
  });

  it("says when the period has no calls, with dashes for rates", async () => {
    const empty = figures({
      totals: { dials: 0, connects: 0, successes: 0, voicemails: 0, avg_duration_s: null, cost: 0 },
      rates: { connect_rate: null, success_rate: null, voicemail_rate: null, cost_per_success: null },
      days: [],
      by_campaign: [],
      by_agent: [],
      dispositions: [],
      sentiment: [],
      top_phrases: [],
    });
    vi.spyOn(api.stats, "analytics").mockResolvedValue(empty);
    renderPage();
    expect((await screen.findByTestId("an-none")).textContent).toContain("No calls were placed in this period");
    expect(screen.getByTestId("an-connect").textContent).toContain("–");
  });
});
