import { describe, expect, it } from "vitest";
import { BODY_VIEW_MAX, formatBody, totals } from "./webhookModel";

describe("totals", () => {
  it("sums every provider per status and fills missing statuses with zero", () => {
    const t = totals([
      { provider: "twilio", status: "applied", count: 3 },
      { provider: "elevenlabs", status: "applied", count: 2 },
      { provider: "exotel", status: "rejected", count: 1 },
    ]);
    expect(t).toEqual({ applied: 5, duplicate: 0, pending: 0, failed: 0, rejected: 1 });
  });
});

describe("formatBody", () => {
  it("pretty-prints JSON", () => {
    expect(formatBody('{"type":"post_call_audio","data":{"a":1}}')?.text).toBe(
      '{\n  "type": "post_call_audio",\n  "data": {\n    "a": 1\n  }\n}',
    );
  });

  it("shows a form one decoded field per line", () => {
    expect(formatBody("CallSid=CA1&CallStatus=no-answer&To=%2B96555123456")?.text).toBe(
      "CallSid = CA1\nCallStatus = no-answer\nTo = +96555123456",
    );
  });

  it("keeps anything else (and cut JSON) as it is, saying when it was cut", () => {
    const cut = '{"type":"post_call_audio","data":{"full_audio":"AAAA';
    expect(formatBody(cut, BODY_VIEW_MAX + 10)).toEqual({ text: cut, truncated: true });
    expect(formatBody("not a form at all")).toEqual({ text: "not a form at all", truncated: false });
    expect(formatBody(null)).toBeNull();
  });
});
