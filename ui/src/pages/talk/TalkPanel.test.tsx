import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { Agent } from "../../api/types";
import { TalkPanel } from "./TalkPanel";
import { FakeSocket, fakes } from "./testFakes";

const agent = (id: number, name: string, provider: Agent["provider"]): Agent => ({
  id,
  name,
  provider,
  language: "en",
  voice: "",
  prompt: "",
  first_message: "",
  disclosure: "",
  created_at: "2026-11-27T00:00:00Z",
  updated_at: "2026-11-27T00:00:00Z",
});

function renderPanel(f = fakes()) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const onClose = vi.fn();
  render(
    <QueryClientProvider client={qc}>
      <TalkPanel onClose={onClose} deps={() => f.deps} />
    </QueryClientProvider>,
  );
  return { f, onClose };
}

describe("TalkPanel", () => {
  it("talks to the chosen agent: transcript both sides, tool calls, counters, stop", async () => {
    vi.spyOn(api.agents, "list").mockResolvedValue([agent(1, "Sara", "elevenlabs"), agent(2, "Intake line", "openai-realtime")]);
    const { f } = renderPanel();
    const select = (await screen.findByTestId("talk-agent")) as HTMLSelectElement;
    await screen.findByText("Intake line · OpenAI Realtime");
    fireEvent.change(select, { target: { value: "2" } });
    await act(async () => fireEvent.click(screen.getByTestId("talk-start")));
    const ws = FakeSocket.last as FakeSocket;
    expect(ws.url).toContain("/api/agents/2/talk");
    expect(screen.getByTestId("talk-status").dataset.phase).toBe("starting");
    act(() => {
      ws.open();
      ws.json({ type: "ready", backend: "sim" });
    });
    expect(select.disabled).toBe(true);
    expect(screen.getByTestId("talk-simulated").textContent).toContain("simulated OpenAI Realtime agent");
    act(() => {
      ws.json({ type: "transcript", role: "agent", text: "Thanks for calling." });
      ws.json({ type: "transcript", role: "contact", text: "(you spoke for 1.2 s)" });
      ws.json({ type: "tool_call", id: "t1", name: "complete_intake", parameters: { data: { urgency: "low" } }, result: "ok" });
      f.mic?.frame(new ArrayBuffer(640));
      ws.binary(640);
      f.mic?.level(0.25);
    });
    const transcript = screen.getByTestId("talk-transcript");
    const turns = within(transcript).getAllByTestId("talk-turn");
    expect(turns.map((t) => [t.dataset.role, t.textContent])).toEqual([
      ["agent", "Intake lineThanks for calling."],
      ["contact", "You(you spoke for 1.2 s)"],
    ]);
    const tool = within(transcript).getByTestId("talk-tool");
    expect(tool.dataset.name).toBe("complete_intake");
    expect(tool.textContent).toContain('"urgency":"low"');
    const status = screen.getByTestId("talk-status");
    expect(status.dataset.sent).toBe("1");
    expect(status.dataset.received).toBe("1");
    expect(screen.getByTestId("talk-meter").querySelectorAll(".on").length).toBeGreaterThan(0);
    fireEvent.click(screen.getByTestId("talk-stop"));
    act(() => ws.json({ type: "ended", reason: "you ended the conversation" }));
    expect(status.dataset.phase).toBe("ended");
    expect(status.textContent).toContain("you ended the conversation");
    expect(screen.getByTestId("talk-start").textContent).toContain("Start again");
  });

  it("shows a refusal with its code and message", async () => {
    vi.spyOn(api.agents, "list").mockResolvedValue([agent(1, "Sara", "elevenlabs")]);
    renderPanel();
    await screen.findByText("Sara · ElevenLabs");
    await act(async () => fireEvent.click(screen.getByTestId("talk-start")));
    act(() => {
      const ws = FakeSocket.last as FakeSocket;
      ws.open();
      ws.json({ type: "error", code: "validation", message: "no ElevenLabs API key is set: add it in Settings, then try again" });
    });
    const err = screen.getByTestId("talk-error");
    expect(err.dataset.code).toBe("validation");
    expect(err.textContent).toContain("no ElevenLabs API key is set");
    expect(screen.getByTestId("talk-status").dataset.phase).toBe("error");
  });

  it("cannot start without an agent profile", async () => {
    vi.spyOn(api.agents, "list").mockResolvedValue([]);
    renderPanel();
    await screen.findByText("No agent profiles yet");
    expect((screen.getByTestId("talk-start") as HTMLButtonElement).disabled).toBe(true);
  });
});
