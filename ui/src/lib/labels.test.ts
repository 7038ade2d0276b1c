import { describe, expect, it } from "vitest";
import { statusReasonText } from "./labels";

describe("statusReasonText", () => {
  it("words the schedule's reasons", () => {
    expect(statusReasonText("schedule")).toBe("Started by its schedule");
    expect(statusReasonText("schedule: end time reached")).toBe("Ended at its scheduled end time");
    const at = "2026-12-01T06:00:00.000000Z";
    expect(statusReasonText(`scheduled by ui to start at ${at}`)).toBe(`Scheduled to start ${new Date(at).toLocaleString()}`);
    expect(statusReasonText("scheduled by cli to start at soon")).toBe("Scheduled to start at soon");
  });
});
