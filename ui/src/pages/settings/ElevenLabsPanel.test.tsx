import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ElWebhookState } from "../../api/elevenlabs";
import type { Campaign } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { fakePlatform } from "../../platform/fake";
import { ElevenLabsSetup } from "../campaigns/ElevenLabsSetup";
import { ElevenLabsPanel } from "./ElevenLabsPanel";

const hook: ElWebhookState = {
  webhook_id: "whk_1",
  name: "Callboard",
  url: "https://calm-otter.example/webhooks/elevenlabs",
  agent_ids: [],
  registered_at: "2026-11-26T10:00:00Z",
  disabled: true,
  auto_disabled: true,
  last_failure_code: 502,
  last_failure_at: null,
  checked_at: null,
  missing: false,
};

/** A fake transport answering the elevenlabs.* commands and recording the calls. */
function fake(answers: Record<string, unknown>): { calls: [string, unknown][] } {
  const log = { calls: [] as [string, unknown][] };
  const p: Platform = fakePlatform(async <T,>(cmd: string, args?: object) => {
    log.calls.push([cmd, args]);
    return (answers[cmd] ?? null) as T;
  });
  setPlatform(p);
  return log;
}

function wrap(node: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}

afterEach(() => setPlatform(null));

describe("ElevenLabsPanel", () => {
  it("shows the key, agents and numbers, and re-enables an auto-disabled webhook in one click", async () => {
    const log = fake({
      "elevenlabs.status": {
        configured: true,
        region: "eu-residency",
        base_url: "https://api.eu.residency.elevenlabs.io",
        public_base_url: "https://calm-otter.example",
        webhook: hook,
      },
      "elevenlabs.agents": [{ agent_id: "agent_a", name: "Renewals", created_at_unix_secs: null }],
      "elevenlabs.phone_numbers": [{ phone_number_id: "phnum_1", phone_number: "+14155550100", label: "Main", provider: "twilio" }],
      "elevenlabs.webhook.enable": { ...hook, disabled: false, auto_disabled: false },
    });
    wrap(<ElevenLabsPanel />);
    await waitFor(() => expect(screen.getByTestId("elevenlabs-key").textContent).toBe("Set"));
    expect(screen.getByTestId("elevenlabs-region").textContent).toContain("eu-residency");
    expect(await screen.findByRole("checkbox", { name: /Renewals/ })).toBeTruthy();
    expect((await screen.findByTestId("elevenlabs-numbers")).textContent).toContain("+14155550100");
    expect(screen.getByTestId("elevenlabs-webhook").textContent).toContain("Disabled by ElevenLabs");
    fireEvent.click(screen.getByTestId("elevenlabs-webhook-enable"));
    await waitFor(() => expect(log.calls.some(([c]) => c === "elevenlabs.webhook.enable")).toBe(true));
  });

  it("registers only with consent, for the chosen agents", async () => {
    const log = fake({
      "elevenlabs.status": { configured: true, region: "default", base_url: "https://api.elevenlabs.io",
        public_base_url: "https://calm-otter.example", webhook: null },
      "elevenlabs.agents": [{ agent_id: "agent_a", name: "Renewals", created_at_unix_secs: null }],
      "elevenlabs.phone_numbers": [],
      "elevenlabs.webhook.register": { ...hook, disabled: false, auto_disabled: false },
    });
    wrap(<ElevenLabsPanel />);
    const register = (await screen.findByTestId("elevenlabs-register")) as HTMLButtonElement;
    expect(register.disabled).toBe(true);
    fireEvent.click(await screen.findByRole("checkbox", { name: /Renewals/ }));
    fireEvent.click(screen.getByTestId("elevenlabs-consent"));
    expect(register.disabled).toBe(false);
    fireEvent.click(register);
    await waitFor(() =>
      expect(log.calls).toContainEqual(["elevenlabs.webhook.register", { consent: true, agent_ids: ["agent_a"] }]),
    );
  });
});

describe("ElevenLabsSetup", () => {
  const campaign = {
    id: 4,
    name: "Batch",
    status: "draft",
    provider: "elevenlabs-batch",
  } as Campaign;

  it("says what batch mode cannot do and saves the chosen agent and number", async () => {
    const log = fake({
      "elevenlabs.campaign.get": { setup: null, batches: [] },
      "elevenlabs.agents": [{ agent_id: "agent_a", name: "Renewals", created_at_unix_secs: null }],
      "elevenlabs.phone_numbers": [{ phone_number_id: "phnum_2", phone_number: "+442079460000", label: "SIP", provider: "sip_trunk" }],
      "elevenlabs.campaign.set": {},
    });
    wrap(<ElevenLabsSetup campaign={campaign} />);
    expect(screen.getByTestId("elevenlabs-batch-limits").textContent).toContain("cannot be paused");
    await screen.findByText("Renewals");
    await screen.findByText(/\+442079460000/);
    fireEvent.change(screen.getByTestId("elevenlabs-agent"), { target: { value: "agent_a" } });
    fireEvent.change(screen.getByTestId("elevenlabs-number"), { target: { value: "phnum_2" } });
    fireEvent.click(screen.getByTestId("elevenlabs-save"));
    await waitFor(() => {
      const set = log.calls.find(([c]) => c === "elevenlabs.campaign.set");
      expect(set?.[1]).toMatchObject({ campaign_id: 4, agent_id: "agent_a", phone_number_id: "phnum_2", phone_kind: "sip_trunk" });
    });
  });
});
