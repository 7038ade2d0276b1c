import { describe, expect, it } from "vitest";
import type { CarrierStatus } from "../../api/types";
import { carrierChip, carrierNotice, envLabels, joinAnd, parseNumbers } from "./carrierModel";

const twilio = (over: Partial<CarrierStatus> = {}): CarrierStatus => ({
  provider: "twilio",
  configured: true,
  missing: [],
  from_env: [],
  base_url: "https://api.twilio.com",
  numbers: ["+14155550100"],
  ...over,
});

describe("carrierModel", () => {
  it("words the status chip", () => {
    expect(carrierChip(undefined).tone).toBe("unknown");
    expect(carrierChip(twilio())).toEqual({ tone: "ok", text: "Ready" });
    expect(carrierChip(twilio({ configured: false, missing: ["Account SID", "Auth token"] }))).toEqual({
      tone: "warn",
      text: "Not configured: Account SID and Auth token missing",
    });
  });

  it("says why a campaign on a carrier cannot call yet, and nothing otherwise", () => {
    expect(carrierNotice("sim", [twilio()], "")).toBeNull();
    expect(carrierNotice("twilio", [twilio()], "")).toBeNull();
    expect(carrierNotice("twilio", undefined, "")).toBeNull();
    expect(carrierNotice("twilio", [twilio({ configured: false, missing: ["Auth token"] })], "+1415")).toBe(
      "Twilio is not configured: add the Auth token in Settings › Twilio before starting this campaign.",
    );
    expect(carrierNotice("twilio", [twilio({ numbers: [] })], "")).toContain("no caller number");
    expect(carrierNotice("twilio", [twilio({ numbers: [] })], "+14155550100")).toBeNull();
  });

  it("splits numbers and names env overrides", () => {
    expect(parseNumbers(" +1415\n\n+1416, +1417 ;")).toEqual(["+1415", "+1416", "+1417"]);
    expect(joinAnd(["a", "b", "c"])).toBe("a, b and c");
    expect(envLabels(["twilio.auth_token", "base_url", "other"])).toEqual(["Auth token", "API base URL", "other"]);
  });
});
