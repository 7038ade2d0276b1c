import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { OpenaiProfile } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { fakePlatform } from "../../platform/fake";
import { OpenAiAgentEditor } from "./OpenAiAgentEditor";

const day = [{ start: "09:00:00", end: "17:00:00" }];
const profile: OpenaiProfile = {
  model: "gpt-realtime-2.1",
  voice: "marin",
  language: "en",
  first_message: "Hello, Harbour Clinic.",
  turn_detection: {
    type: "server_vad",
    threshold: 0.5,
    prefix_padding_ms: 300,
    silence_duration_ms: 500,
    idle_timeout_ms: 8000,
    create_response: true,
    interrupt_response: true,
  },
  transcription_model: "gpt-realtime-whisper",
  org: {
    name: "Harbour Clinic",
    services: ["Check-ups"],
    policies: [],
    hours: { timezone: "Asia/Kuwait", window: { days: [day, day, day, day, day, [], []], blocked_dates: [] } },
    escalation_contacts: [],
    intake_schema: { type: "object", properties: { urgency: { type: "string", enum: ["low", "high"] } } },
  },
  escalation: { transfer_to: null, transfer_on_escalation: false },
};

function fake(answers: Record<string, unknown>) {
  const log: [string, unknown][] = [];
  const p: Platform = fakePlatform(async <T,>(cmd: string, args?: object) => {
    log.push([cmd, args]);
    const a = answers[cmd];
    return (typeof a === "function" ? a(args) : (a ?? null)) as T;
  });
  setPlatform(p);
  return log;
}

function wrap(node: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}

afterEach(() => setPlatform(null));

describe("OpenAiAgentEditor", () => {
  it("previews the prompt of the draft and saves the edited org config", async () => {
    const log = fake({
      "agent.openai.get": { agent_id: 7, stored: true, profile },
      "agent.prompt_versions": [{ id: 3, agent_id: 7, hash: "ab".repeat(32), text: "…", created_at: "2026-11-26T10:00:00Z", calls: 2 }],
      "agent.prompt_preview": { text: "You are the phone assistant for Harbour Clinic.", hash: "cd".repeat(32), version_id: null, session: {} },
      "agent.openai.set": (args: { profile: OpenaiProfile }) => ({ agent_id: 7, stored: true, profile: args.profile }),
    });
    wrap(<OpenAiAgentEditor agentId={7} />);
    expect((await screen.findByTestId<HTMLInputElement>("oa-org-name")).value).toBe("Harbour Clinic");
    expect(await screen.findByText(/2 calls/)).toBeTruthy();
    fireEvent.change(screen.getByTestId("oa-policies"), { target: { value: "Never give medical advice.\n\n" } });
    fireEvent.click(screen.getByTestId("oa-preview"));
    expect((await screen.findByTestId("oa-preview-text")).textContent).toMatch(/phone assistant for Harbour Clinic/);
    const previewed = log.find(([c]) => c === "agent.prompt_preview")?.[1] as { profile: OpenaiProfile };
    expect(previewed.profile.org.policies).toEqual(["Never give medical advice."]);
    fireEvent.click(screen.getByTestId("oa-save"));
    await waitFor(() => expect(log.some(([c]) => c === "agent.openai.set")).toBe(true));
    const saved = log.find(([c]) => c === "agent.openai.set")?.[1] as { agent_id: number; profile: OpenaiProfile };
    expect(saved.agent_id).toBe(7);
    expect(saved.profile.org.hours.window.days[0]).toEqual(day);
    expect(saved.profile.org.hours.window.days[6]).toEqual([]);
  });

  it("shows schema errors and does not save a schema that is not JSON", async () => {
    const log = fake({ "agent.openai.get": { agent_id: 7, stored: false, profile }, "agent.prompt_versions": [] });
    wrap(<OpenAiAgentEditor agentId={7} />);
    fireEvent.change(await screen.findByTestId("oa-schema"), { target: { value: '{"type": "object",' } });
    expect(screen.getByTestId("oa-schema-error").textContent).toMatch(/Not valid JSON/);
    expect(screen.getByTestId<HTMLButtonElement>("oa-save").disabled).toBe(true);
    fireEvent.change(screen.getByTestId("oa-schema"), { target: { value: '{"type":"object","properties":{}}' } });
    expect(screen.getByTestId("oa-schema-error").textContent).toMatch(/urgency/);
    expect(log.some(([c]) => c === "agent.openai.set")).toBe(false);
  });
});
