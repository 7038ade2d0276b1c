import { describe, expect, it } from "vitest";
import { isAlarmReason, statusReasonText } from "../../lib/labels";
import { DEFAULT_BREAKER, DEFAULT_RETRY_POLICY } from "./formModel";
import { advancedSummary, attemptsText, breakerText, ruleText, watchdogText } from "./policyText";

describe("settings in words", () => {
  it("retries", () => {
    expect(attemptsText(DEFAULT_RETRY_POLICY)).toBe("Up to 3 calls per contact (the first + 2 retries)");
    expect(attemptsText({ ...DEFAULT_RETRY_POLICY, max_attempts: 2 })).toBe("Up to 2 calls per contact (the first + 1 retry)");
    expect(attemptsText({ ...DEFAULT_RETRY_POLICY, max_attempts: 1 })).toBe("One call per contact; never retried");
    expect(ruleText({ retry: true, delay_minutes: 120 }, 3)).toBe("Retried after 2 h");
    expect(ruleText({ retry: true, delay_minutes: 0 }, 3)).toBe("Retried right away");
    expect(ruleText({ retry: false, delay_minutes: 120 }, 3)).toBe("Not retried");
    expect(ruleText({ retry: true, delay_minutes: 120 }, 1)).toBe("Not retried");
  });

  it("breaker and watchdog", () => {
    expect(breakerText(DEFAULT_BREAKER)).toBe("Pauses the campaign when more than 50% of the last 20 dials fail within 2 min");
    expect(breakerText({ failure_ratio: 0.125, min_dials: 10, window_s: 90 })).toContain("more than 12.5% of the last 10 dials fail within 1 min 30 s");
    expect(breakerText({ ...DEFAULT_BREAKER, failure_ratio: 1 })).toMatch(/^Off/);
    expect(watchdogText(900)).toBe("Hangs up calls still going after 15 min");
  });

  it("one line for the collapsed Advanced row", () => {
    expect(advancedSummary(DEFAULT_RETRY_POLICY, DEFAULT_BREAKER, 900)).toBe("3 attempts · breaker at 50% of 20 · calls end after 15 min");
    const someOff = { ...DEFAULT_RETRY_POLICY, voicemail: { retry: false, delay_minutes: 240 } };
    expect(advancedSummary(someOff, DEFAULT_BREAKER, 900)).toMatch(/^3 attempts \(not voicemail\) · /);
    const mostOff = { ...someOff, busy: { retry: false, delay_minutes: 15 }, failed: { retry: false, delay_minutes: 10 } };
    expect(advancedSummary(mostOff, DEFAULT_BREAKER, 900)).toMatch(/^3 attempts \(no answer only\) · /);
    expect(advancedSummary({ ...DEFAULT_RETRY_POLICY, max_attempts: 1 }, { ...DEFAULT_BREAKER, failure_ratio: 1 }, 60)).toBe(
      "no retries · breaker off · calls end after 1 min",
    );
  });

  it("status reasons", () => {
    expect(statusReasonText("start by ui")).toBe("Started in the console");
    expect(statusReasonText("pause by cli")).toBe("Paused from the command line");
    expect(statusReasonText("complete by system")).toBe("Completed by the engine");
    expect(statusReasonText("list exhausted")).toBe("Every contact is done (list exhausted)");
    expect(statusReasonText("circuit breaker: 20 of the last 20 dials failed")).toBe("Circuit breaker: 20 of the last 20 dials failed");
    expect(isAlarmReason("circuit breaker: 20 of the last 20 dials failed")).toBe(true);
    expect(isAlarmReason("pause by ui")).toBe(false);
  });
});
