import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/error";
import type { Campaign } from "../../api/types";
import {
  changes,
  DEFAULT_BREAKER,
  DEFAULT_MAX_CALL_SECONDS,
  DEFAULT_RETRY_POLICY,
  emptyValues,
  fieldForError,
  isAdvanced,
  toInput,
  validate,
  valuesOf,
  type CampaignFormValues,
} from "./formModel";

function campaign(over: Partial<Campaign> = {}): Campaign {
  return {
    id: 7,
    name: "Spring",
    description: "",
    status: "draft",
    status_reason: "",
    provider: "sim",
    agent_id: null,
    from_number: "",
    max_concurrent: 5,
    calls_per_second: 1,
    hours_preset: "always",
    time_zone: "UTC",
    retry_policy: structuredClone(DEFAULT_RETRY_POLICY),
    breaker: { ...DEFAULT_BREAKER },
    max_call_seconds: DEFAULT_MAX_CALL_SECONDS,
    contacts: 0,
    completed: 0,
    created_at: "2026-11-26T10:00:00Z",
    updated_at: "2026-11-26T10:00:00Z",
    ...over,
  };
}

const ok: CampaignFormValues = { ...emptyValues("UTC"), name: "A" };

describe("defaults", () => {
  it("are the core's (docs/api.md): 3 attempts, 120/15/240/10 min, breaker 50% of 20 in 120 s, 15 min calls", () => {
    const input = toInput(ok);
    expect(input.retry_policy).toEqual({
      max_attempts: 3,
      no_answer: { retry: true, delay_minutes: 120 },
      busy: { retry: true, delay_minutes: 15 },
      voicemail: { retry: true, delay_minutes: 240 },
      failed: { retry: true, delay_minutes: 10 },
    });
    expect(input.breaker).toEqual({ failure_ratio: 0.5, min_dials: 20, window_s: 120 });
    expect(input.max_call_seconds).toBe(900);
    expect(ok.max_call_minutes).toBe("15");
    expect(ok.breaker_percent).toBe("50");
  });
});

describe("validate: the core's ranges", () => {
  const bad = (over: Partial<CampaignFormValues>) => Object.keys(validate({ ...ok, ...over }));
  it("accepts the defaults and the range ends", () => {
    expect(validate(ok)).toEqual({});
    expect(
      validate({
        ...ok,
        max_attempts: "10",
        delay_busy: "10080",
        delay_failed: "0",
        max_call_minutes: "120",
        breaker_percent: "100",
        breaker_min_dials: "3",
        breaker_window_s: "3600",
      }),
    ).toEqual({});
    expect(validate({ ...ok, max_attempts: "1", max_call_minutes: "1", breaker_percent: "5", breaker_min_dials: "500", breaker_window_s: "10" })).toEqual(
      {},
    );
  });

  it("max attempts: whole, 1..=10", () => {
    for (const v of ["0", "11", "2.5", "", "x"]) expect(bad({ max_attempts: v })).toEqual(["max_attempts"]);
  });

  it("retry delays: whole minutes, 0..=10080, checked only while the rule is on", () => {
    for (const v of ["-1", "10081", "1.5", ""]) expect(bad({ delay_no_answer: v })).toEqual(["delay_no_answer"]);
    expect(bad({ retry_no_answer: false, delay_no_answer: "99999" })).toEqual([]);
  });

  it("watchdog: 1..=120 minutes (60..=7200 s)", () => {
    for (const v of ["0.5", "121", "", "abc"]) expect(bad({ max_call_minutes: v })).toEqual(["max_call_minutes"]);
    expect(bad({ max_call_minutes: "1.5" })).toEqual([]);
  });

  it("breaker: 5..=100 %, 3..=500 dials, 10..=3600 s", () => {
    for (const v of ["4.9", "101", ""]) expect(bad({ breaker_percent: v })).toEqual(["breaker_percent"]);
    for (const v of ["2", "501", "3.5"]) expect(bad({ breaker_min_dials: v })).toEqual(["breaker_min_dials"]);
    for (const v of ["9", "3601", "12.5"]) expect(bad({ breaker_window_s: v })).toEqual(["breaker_window_s"]);
  });

  it("description: at most 2000 characters", () => {
    expect(bad({ description: "x".repeat(2001) })).toEqual(["description"]);
    expect(bad({ description: "x".repeat(2000) })).toEqual([]);
  });

  it("caller id: at most 64 characters", () => {
    expect(bad({ from_number: "1".repeat(65) })).toEqual(["from_number"]);
    expect(bad({ from_number: ` ${"1".repeat(64)} ` })).toEqual([]);
  });
});

describe("toInput: form units to API units", () => {
  it("maps minutes to seconds, percent to a ratio, and keeps every rule", () => {
    const input = toInput({
      ...ok,
      from_number: " +96550001234 ",
      max_attempts: "5",
      retry_voicemail: false,
      delay_no_answer: "90",
      max_call_minutes: "2.5",
      breaker_percent: "7",
      breaker_min_dials: "10",
      breaker_window_s: "300",
    });
    expect(input.from_number).toBe("+96550001234");
    expect(input.retry_policy).toEqual({
      max_attempts: 5,
      no_answer: { retry: true, delay_minutes: 90 },
      busy: { retry: true, delay_minutes: 15 },
      voicemail: { retry: false, delay_minutes: 240 },
      failed: { retry: true, delay_minutes: 10 },
    });
    expect(input.max_call_seconds).toBe(150);
    expect(input.breaker).toEqual({ failure_ratio: 0.07, min_dials: 10, window_s: 300 });
  });

  it("gives a switched-off rule with an unusable delay the default delay", () => {
    expect(toInput({ ...ok, retry_busy: false, delay_busy: "" }).retry_policy?.busy).toEqual({ retry: false, delay_minutes: 15 });
  });
});

describe("valuesOf", () => {
  it("prefills the settings, without float noise, and maps back to the same input", () => {
    const c = campaign({
      retry_policy: { ...DEFAULT_RETRY_POLICY, max_attempts: 6, failed: { retry: false, delay_minutes: 0 } },
      breaker: { failure_ratio: 0.07, min_dials: 30, window_s: 600 },
      max_call_seconds: 90,
    });
    const v = valuesOf(c);
    expect(v).toMatchObject({
      max_attempts: "6",
      retry_failed: false,
      delay_failed: "0",
      breaker_percent: "7",
      breaker_min_dials: "30",
      breaker_window_s: "600",
      max_call_minutes: "1.5",
    });
    expect(changes(c, v)).toEqual({});
  });
});

describe("changes", () => {
  it("sends the whole retry policy when one rule changed (the core fills keys left out with defaults)", () => {
    const c = campaign({ retry_policy: { ...DEFAULT_RETRY_POLICY, max_attempts: 5 } });
    const diff = changes(c, { ...valuesOf(c), delay_busy: "45" });
    expect(diff).toEqual({ retry_policy: { ...DEFAULT_RETRY_POLICY, max_attempts: 5, busy: { retry: true, delay_minutes: 45 } } });
  });

  it("sends the whole breaker when one of its values changed, and the watchdog alone", () => {
    const c = campaign();
    expect(changes(c, { ...valuesOf(c), breaker_min_dials: "40" })).toEqual({ breaker: { ...DEFAULT_BREAKER, min_dials: 40 } });
    expect(changes(c, { ...valuesOf(c), max_call_minutes: "20" })).toEqual({ max_call_seconds: 1200 });
  });
});

describe("fieldForError", () => {
  it("places the core's messages on the field or section they name", () => {
    expect(fieldForError(new ApiError("validation", "retry_policy: max_attempts must be between 1 and 10"))).toBe("retry_policy");
    expect(fieldForError(new ApiError("validation", "breaker: failure_ratio must be 0.05–1, min_dials 3–500 and window_s 10–3600"))).toBe(
      "breaker",
    );
    expect(fieldForError(new ApiError("validation", "max_call_seconds: must be between 60 and 7200"))).toBe("max_call_minutes");
    expect(fieldForError(new ApiError("validation", "from_number: must be at most 64 characters"))).toBe("from_number");
    expect(fieldForError(new ApiError("validation", "constructor: nonsense"))).toBeNull();
  });

  it("knows which targets sit behind Advanced", () => {
    expect(isAdvanced("retry_policy")).toBe(true);
    expect(isAdvanced("breaker")).toBe(true);
    expect(isAdvanced("max_call_minutes")).toBe(true);
    expect(isAdvanced("delay_voicemail")).toBe(true);
    expect(isAdvanced("retry_failed")).toBe(true);
    expect(isAdvanced("from_number")).toBe(false);
    expect(isAdvanced("name")).toBe(false);
  });
});

describe("schedule and headroom", () => {
  const base = (): CampaignFormValues => ({ ...emptyValues("UTC"), name: "Later" });

  it("checks the end after the start and headroom below the line count", () => {
    expect(validate({ ...base(), start_at: "2026-12-01T09:00", end_at: "2026-12-01T08:00" }).end_at).toMatch(/after the start/);
    expect(validate({ ...base(), start_at: "2026-12-01T09:00", end_at: "2026-12-01T10:00" })).toEqual({});
    expect(validate({ ...base(), start_at: "not a time" }).start_at).toBeDefined();
    expect(validate({ ...base(), max_concurrent: "5", reserved_headroom: "5" }).reserved_headroom).toMatch(/at most 4/);
    expect(validate({ ...base(), reserved_headroom: "-1" }).reserved_headroom).toBeDefined();
  });

  it("sends instants in UTC and only when they changed", () => {
    const v = { ...base(), start_at: "2026-12-01T09:00", reserved_headroom: "2", end_action: "pause" as const };
    const input = toInput(v);
    expect(input.start_at).toBe(new Date("2026-12-01T09:00").toISOString());
    expect(input.end_at).toBeNull();
    expect(input.reserved_headroom).toBe(2);
    expect(input.end_action).toBe("pause");
    const stored = campaign({ start_at: input.start_at!.replace(".000Z", ".000000Z"), end_at: null, end_action: "pause", reserved_headroom: 2 });
    expect(changes(stored, valuesOf(stored))).toEqual({});
    expect(changes(stored, { ...valuesOf(stored), start_at: "" })).toEqual({ start_at: null });
  });

  it("puts server errors next to the schedule fields", () => {
    expect(fieldForError(new ApiError("validation", "end_at: must be after the start time"))).toBe("end_at");
    expect(fieldForError(new ApiError("validation", "reserved_headroom: must leave at least one"))).toBe("reserved_headroom");
  });
});
