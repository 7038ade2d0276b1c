import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/error";
import type { Agent } from "../../api/types";
import { CampaignForm } from "./CampaignForm";
import { emptyValues, fieldForError, validate } from "./formModel";

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

function renderForm(onSubmit = vi.fn(async () => {})) {
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
});
