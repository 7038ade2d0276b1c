import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/error";
import type { Agent } from "../../api/types";
import { CampaignForm } from "./CampaignForm";
import { emptyValues, fieldForError, toInput, validate, type CampaignFormValues } from "./formModel";

const agents: Agent[] = [
  {
    id: 1,
    name: "Sara",
    provider: "elevenlabs",
    language: "ar",
    voice: "",
    prompt: "",
    first_message: "",
    disclosure: "",
    created_at: "2026-11-26T10:00:00Z",
    updated_at: "2026-11-26T10:00:00Z",
  },
];

function renderForm(onSubmit = vi.fn(async (_v: CampaignFormValues) => {})) {
  render(<CampaignForm mode="create" initial={emptyValues("UTC")} agents={agents} onSubmit={onSubmit} onCancel={() => {}} />);
  return onSubmit;
}

describe("validate", () => {
  it("applies the core's rules", () => {
    const ok = { ...emptyValues("UTC"), name: "A" };
    expect(validate(ok)).toEqual({});
    expect(validate({ ...ok, name: "   " })).toHaveProperty("name");
    expect(validate({ ...ok, name: "x".repeat(121) })).toHaveProperty("name");
    expect(validate({ ...ok, max_concurrent: "0" })).toHaveProperty("max_concurrent");
    expect(validate({ ...ok, max_concurrent: "501" })).toHaveProperty("max_concurrent");
    expect(validate({ ...ok, max_concurrent: "2.5" })).toHaveProperty("max_concurrent");
    expect(validate({ ...ok, calls_per_second: "0.05" })).toHaveProperty("calls_per_second");
    expect(validate({ ...ok, calls_per_second: "50" })).toEqual({});
    expect(validate({ ...ok, time_zone: "" })).toHaveProperty("time_zone");
  });

  it("places server errors on fields by code and message prefix", () => {
    expect(fieldForError(new ApiError("conflict", "a campaign named 'x' already exists"))).toBe("name");
    expect(fieldForError(new ApiError("validation", "time_zone: 'X' is not a known IANA time zone"))).toBe("time_zone");
    expect(fieldForError(new ApiError("not_found", "agent 9 does not exist"))).toBe("agent_id");
    expect(fieldForError(new ApiError("internal", "disk full"))).toBeNull();
  });
});

describe("CampaignForm", () => {
  it("shows field errors and does not submit an invalid form", async () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByTestId("campaign-max-concurrent"), { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("campaign-submit"));
    expect((await screen.findByTestId("field-error-name")).textContent).toContain("Give the campaign a name");
    expect(screen.getByTestId("field-error-max_concurrent").textContent).toContain("1 to 500");
    expect(screen.getByTestId("campaign-name").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("form-error")).toBeNull();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("clears a field's error when it is edited", async () => {
    renderForm();
    fireEvent.click(screen.getByTestId("campaign-submit"));
    await screen.findByTestId("field-error-name");
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "Spring" } });
    expect(screen.queryByTestId("field-error-name")).toBeNull();
  });

  it("submits the values, with the preset's zone suggested", async () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "  Spring service  " } });
    fireEvent.change(screen.getByTestId("campaign-provider"), { target: { value: "twilio" } });
    fireEvent.change(screen.getByTestId("campaign-agent"), { target: { value: "1" } });
    fireEvent.change(screen.getByTestId("campaign-hours"), { target: { value: "kw" } });
    fireEvent.click(screen.getByTestId("campaign-submit"));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]).toMatchObject([
      { name: "  Spring service  ", provider: "twilio", agent_id: "1", hours_preset: "kw", time_zone: "Asia/Kuwait" },
    ]);
  });

  it("shows a conflict from the server inline, on the name field", async () => {
    renderForm(
      vi.fn(async () => {
        throw new ApiError("conflict", "a campaign named 'Spring' already exists");
      }),
    );
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "Spring" } });
    fireEvent.click(screen.getByTestId("campaign-submit"));
    const alert = await screen.findByTestId("form-error");
    expect(alert.textContent).toContain("conflict");
    expect(alert.textContent).toContain("a campaign named 'Spring' already exists");
    expect(screen.getByTestId("field-error-name").textContent).toContain("already exists");
    expect((screen.getByTestId("campaign-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows a validation error on the field it names", async () => {
    renderForm(
      vi.fn(async () => {
        throw new ApiError("validation", "time_zone: 'Mars/Base' is not a known IANA time zone");
      }),
    );
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "Spring" } });
    fireEvent.change(screen.getByTestId("campaign-tz"), { target: { value: "Mars/Base" } });
    fireEvent.click(screen.getByTestId("campaign-submit"));
    expect((await screen.findByTestId("form-error")).getAttribute("data-code")).toBe("validation");
    expect(screen.getByTestId("field-error-time_zone").textContent).toContain("not a known IANA time zone");
    expect(screen.getByTestId("campaign-tz").getAttribute("aria-invalid")).toBe("true");
  });

  it("keeps retries and safety behind a collapsed Advanced row that sums them up", () => {
    renderForm();
    expect(screen.queryByTestId("campaign-advanced")).toBeNull();
    const toggle = screen.getByTestId("campaign-advanced-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(screen.getByTestId("campaign-advanced-summary").textContent).toBe("3 attempts · breaker at 50% of 20 · calls end after 15 min");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByTestId("campaign-advanced")).toBeTruthy();
    expect((screen.getByTestId("campaign-max-attempts") as HTMLInputElement).value).toBe("3");
    expect(screen.getByTestId("delay-hint-no_answer").textContent).toBe("2 h");
    expect(screen.getByTestId("delay-hint-voicemail").textContent).toBe("4 h");
  });

  it("switching a retry off disables its delay and says so", () => {
    renderForm();
    fireEvent.click(screen.getByTestId("campaign-advanced-toggle"));
    fireEvent.click(screen.getByTestId("retry-busy"));
    expect((screen.getByTestId("retry-busy") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByTestId("delay-busy") as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId("delay-hint-busy").textContent).toBe("not retried");
    fireEvent.change(screen.getByTestId("delay-no_answer"), { target: { value: "1500" } });
    expect(screen.getByTestId("delay-hint-no_answer").textContent).toBe("1 d 1 h");
  });

  it("opens Advanced and focuses the first bad setting when a client check fails in there", async () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "Spring" } });
    fireEvent.click(screen.getByTestId("campaign-advanced-toggle"));
    fireEvent.change(screen.getByTestId("breaker-window"), { target: { value: "5" } });
    fireEvent.click(screen.getByTestId("campaign-advanced-toggle")); // closed again
    expect(screen.queryByTestId("campaign-advanced")).toBeNull();
    fireEvent.click(screen.getByTestId("campaign-submit"));
    expect((await screen.findByTestId("field-error-breaker_window_s")).textContent).toContain("10 to 3600");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("breaker-window")));
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("submits the advanced settings, mapped to the API's units", async () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "Spring" } });
    fireEvent.click(screen.getByTestId("campaign-advanced-toggle"));
    fireEvent.change(screen.getByTestId("campaign-max-attempts"), { target: { value: "4" } });
    fireEvent.click(screen.getByTestId("retry-voicemail"));
    fireEvent.change(screen.getByTestId("delay-failed"), { target: { value: "30" } });
    fireEvent.change(screen.getByTestId("campaign-max-call"), { target: { value: "10" } });
    fireEvent.change(screen.getByTestId("breaker-percent"), { target: { value: "25" } });
    expect(screen.getByTestId("breaker-sentence").textContent).toContain("more than 25% of the last 20 dials fail within 2 min");
    fireEvent.click(screen.getByTestId("campaign-submit"));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    const input = toInput(onSubmit.mock.calls[0]![0]);
    expect(input.retry_policy).toMatchObject({
      max_attempts: 4,
      voicemail: { retry: false, delay_minutes: 240 },
      failed: { retry: true, delay_minutes: 30 },
    });
    expect(input.max_call_seconds).toBe(600);
    expect(input.breaker).toEqual({ failure_ratio: 0.25, min_dials: 20, window_s: 120 });
  });

  it.each([
    ["retry_policy: max_attempts must be between 1 and 10", "section-error-retry_policy", "campaign-max-attempts"],
    ["breaker: failure_ratio must be 0.05–1, min_dials 3–500 and window_s 10–3600", "section-error-breaker", "breaker-percent"],
    ["max_call_seconds: must be between 60 and 7200", "field-error-max_call_minutes", "campaign-max-call"],
  ])("shows the core's %s next to its section, with Advanced opened", async (message, errorId, focusId) => {
    renderForm(
      vi.fn(async () => {
        throw new ApiError("validation", message);
      }),
    );
    fireEvent.change(screen.getByTestId("campaign-name"), { target: { value: "Spring" } });
    fireEvent.click(screen.getByTestId("campaign-submit"));
    expect((await screen.findByTestId(errorId)).textContent).toBe(message);
    expect(screen.getByTestId("campaign-advanced")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId(focusId)));
    // Editing anything in that section clears it.
    fireEvent.change(screen.getByTestId(focusId), { target: { value: "4" } });
    expect(screen.queryByTestId(errorId)).toBeNull();
    expect(screen.queryByTestId("form-error")).toBeNull();
  });

  it("prefills the settings when editing", () => {
    render(
      <CampaignForm
        mode="edit"
        initial={{ ...emptyValues("UTC"), name: "Spring", max_attempts: "6", retry_failed: false, max_call_minutes: "30", breaker_min_dials: "50" }}
        agents={agents}
        onSubmit={vi.fn(async () => {})}
        onCancel={() => {}}
      />,
    );
    expect(screen.getByTestId("campaign-advanced-summary").textContent).toBe(
      "6 attempts (not failed) · breaker at 50% of 50 · calls end after 30 min",
    );
    fireEvent.click(screen.getByTestId("campaign-advanced-toggle"));
    expect((screen.getByTestId("campaign-max-attempts") as HTMLInputElement).value).toBe("6");
    expect((screen.getByTestId("retry-failed") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByTestId("campaign-max-call") as HTMLInputElement).value).toBe("30");
    expect((screen.getByTestId("breaker-min-dials") as HTMLInputElement).value).toBe("50");
  });
});

describe("CampaignForm on a carrier", () => {
  const carriers = [
    { provider: "twilio" as const, configured: false, missing: ["Account SID", "Auth token"], from_env: [], base_url: "https://api.twilio.com", numbers: [] },
    { provider: "exotel" as const, configured: true, missing: [], from_env: [], base_url: "https://api.exotel.com", numbers: ["08047112233", "08047112244"] },
  ];

  it("warns when the chosen carrier is not configured and offers the carrier's caller numbers", () => {
    render(<CampaignForm mode="create" initial={emptyValues("UTC")} agents={agents} carriers={carriers} onSubmit={vi.fn()} onCancel={() => {}} />);
    expect(screen.queryByTestId("campaign-carrier-notice")).toBeNull();
    fireEvent.change(screen.getByTestId("campaign-provider"), { target: { value: "twilio" } });
    expect(screen.getByTestId("campaign-carrier-notice").textContent).toContain("add the Account SID and Auth token in Settings › Twilio");
    fireEvent.change(screen.getByTestId("campaign-provider"), { target: { value: "exotel" } });
    expect(screen.queryByTestId("campaign-carrier-notice")).toBeNull();
    const from = screen.getByTestId("campaign-from") as HTMLInputElement;
    expect(from.placeholder).toContain("Default: 08047112233");
    const options = [...screen.getByTestId("campaign-from-options").querySelectorAll("option")].map((o) => o.getAttribute("value"));
    expect(options).toEqual(["08047112233", "08047112244"]);
    expect(from.getAttribute("list")).toBe(screen.getByTestId("campaign-from-options").id);
  });
});
