import { describe, expect, it } from "vitest";
import { setPlatform } from "../platform";
import { BATCH_LIMITS, elevenlabs, webhookHealth, type ElWebhookState } from "./elevenlabs";

const hook: ElWebhookState = {
  webhook_id: "whk_1",
  name: "Callboard",
  url: "https://x.example/webhooks/elevenlabs",
  agent_ids: [],
  registered_at: "2026-11-26T10:00:00Z",
  disabled: false,
  auto_disabled: false,
  last_failure_code: null,
  last_failure_at: null,
  checked_at: null,
  missing: false,
};

describe("webhookHealth", () => {
  it("says what needs the user", () => {
    expect(webhookHealth(null).tone).toBe("off");
    expect(webhookHealth(hook)).toEqual({ text: "Active", tone: "ok" });
    expect(webhookHealth({ ...hook, disabled: true, auto_disabled: true }).text).toContain("Disabled by ElevenLabs");
    expect(webhookHealth({ ...hook, missing: true }).tone).toBe("warn");
  });

  it("names what batch mode cannot do", () => {
    expect(BATCH_LIMITS).toContain("cannot be paused");
    expect(BATCH_LIMITS).toContain("per-recipient calling windows");
  });
});

describe("elevenlabs client", () => {
  it("sends the documented command names and arguments", async () => {
    const calls: [string, unknown][] = [];
    setPlatform({
      transport: "browser",
      call: async <T,>(cmd: string, args: unknown) => {
        calls.push([cmd, args]);
        return {} as T;
      },
    } as never);
    await elevenlabs.registerWebhook(["agent_a"]);
    await elevenlabs.retryFailed(7);
    await elevenlabs.enableWebhook();
    setPlatform(null);
    expect(calls).toEqual([
      ["elevenlabs.webhook.register", { consent: true, agent_ids: ["agent_a"] }],
      ["elevenlabs.batch.retry", { campaign_id: 7 }],
      ["elevenlabs.webhook.enable", {}],
    ]);
  });
});
