import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyEvents } from "../../api/cache";
import { api } from "../../api/client";
import type { AgentState } from "../../api/types";
import { AgentPanel, dollars } from "./AgentPanel";

function state(over: Partial<AgentState> = {}): AgentState {
  return {
    call_id: 7,
    phase: "intake",
    phases: [
      { phase: "greeting", reason: "the agent greets the contact", source: "agent", at: "2026-11-26T10:00:00Z" },
      { phase: "intake", reason: "the contact spoke", source: "agent", at: "2026-11-26T10:00:05Z" },
    ],
    intake: { data: { name: "Ana", urgency: "high" }, validated_at: "2026-11-26T10:01:00Z" },
    tool_calls: [
      { tool_call_id: "c1", name: "complete_intake", arguments: '{"data":{"name":"Ana"}}', ok: false, output: '{"error":"…"}', at: "2026-11-26T10:00:50Z" },
      { tool_call_id: "c2", name: "complete_intake", arguments: '{"data":{"name":"Ana","urgency":"high"}}', ok: true, output: '{"ok":true}', at: "2026-11-26T10:01:00Z" },
    ],
    realtime: {
      model: "gpt-realtime-2.1",
      prompt_version: 3,
      usage: { text_in: 0, text_cached_in: 0, audio_in: 0, audio_cached_in: 0, text_out: 0, audio_out: 0, transcription_ms: 0, transcription_text_in: 0, transcription_audio_in: 0, transcription_out: 0 },
      cost_micros: 12_854.4,
      ended_reason: null,
      started_at: "2026-11-26T10:00:00Z",
    },
    ...over,
  };
}

describe("AgentPanel", () => {
  let qc: QueryClient;
  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  });
  afterEach(() => vi.restoreAllMocks());

  const renderPanel = (live = true) =>
    render(
      <QueryClientProvider client={qc}>
        <AgentPanel callId={7} live={live} />
      </QueryClientProvider>,
    );

  it("shows the phase, intake, tool calls and cost, follows phase events, and escalates on demand", async () => {
    const get = vi.spyOn(api.calls, "agentState").mockResolvedValue(state());
    const escalate = vi.spyOn(api.calls, "escalate").mockResolvedValue(
      state({
        phase: "escalation",
        phases: [...state().phases, { phase: "escalation", reason: "escalated from the call drawer", source: "supervisor", at: "2026-11-26T10:02:00Z" }],
      }),
    );
    renderPanel();
    const chip = await screen.findByTestId("agent-phase");
    expect(chip.dataset.phase).toBe("intake");
    const intake = screen.getByTestId("agent-intake");
    expect(within(intake).getByText("Ana")).toBeTruthy();
    expect(within(intake).getByText("high")).toBeTruthy();
    const tools = within(screen.getByTestId("agent-tools")).getAllByRole("listitem");
    expect(tools.map((t) => t.dataset.ok)).toEqual(["false", "true"]);
    expect(screen.getByTestId("agent-cost").textContent).toBe("$0.0129");
    expect(screen.getByText(/prompt v3/)).toBeTruthy();

    // A phase change elsewhere (the rules escalated) refetches the panel.
    get.mockResolvedValue(state({ phase: "clarification" }));
    act(() => applyEvents(qc, [{ type: "call_phase", call_id: 7, phase: "clarification", reason: "x", source: "rule", at: "2026-11-26T10:01:30Z" }]));
    await vi.waitFor(() => expect(screen.getByTestId("agent-phase").dataset.phase).toBe("clarification"));

    fireEvent.click(screen.getByTestId("escalate-now"));
    await vi.waitFor(() => expect(screen.getByTestId("agent-phase").dataset.phase).toBe("escalation"));
    expect(escalate).toHaveBeenCalledWith(7, "escalated from the call drawer");
    expect(screen.getByTestId("agent-phase-reason").textContent).toContain("by supervisor");
    expect((screen.getByTestId("escalate-now") as HTMLButtonElement).disabled).toBe(true);
  });

  it("stays out of the way for calls without an agent session, and cannot escalate an ended call", async () => {
    const get = vi.spyOn(api.calls, "agentState").mockResolvedValue(state({ phase: null, phases: [], intake: null, tool_calls: [], realtime: null }));
    const first = renderPanel();
    await vi.waitFor(() => expect(get).toHaveBeenCalled());
    expect(first.container.querySelector("[data-testid=agent-panel]")).toBeNull();
    first.unmount();
    get.mockResolvedValue(state());
    qc.clear();
    renderPanel(false);
    const button = (await screen.findByTestId("escalate-now")) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(dollars(1_500_000)).toBe("$1.5000");
  });
});
