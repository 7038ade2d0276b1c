import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import { row } from "../../api/testCalls";
import type { CallDetail } from "../../api/types";
import { ContactDetails } from "./ContactDetails";

function detail(status: "active" | "deleted"): CallDetail {
  return {
    call: row(7, { status: "completed" }),
    contact: { id: 42, name: "Noura Al-Ajmi", phone_e164: "+96555123456", email: "", language: "ar", time_zone: "Asia/Kuwait", status, variables: { car: "Patrol" } },
    transcript: [],
    timeline: [],
    audit: [],
    provider_events: [],
    capabilities: { hang_up: false, whisper: false, transfer: false },
    listenable: false,
    summary: null,
    has_recording: false,
    results: { title: null, evaluation: [], data: [], termination_reason: null, credits: null },
    disclosure: null,
  };
}

const renderWith = (d: CallDetail) =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ContactDetails detail={d} />
    </QueryClientProvider>,
  );

describe("ContactDetails", () => {
  afterEach(() => vi.restoreAllMocks());

  it("forgets a person only after the supervisor confirms what is erased", async () => {
    const forget = vi.spyOn(api.contacts, "forget").mockResolvedValue({ id: 42, phone_e164: "+96555123456", calls: 3, files_deleted: 2 });
    renderWith(detail("active"));
    expect(screen.getByTestId("call-contact").textContent).toContain("Patrol");
    fireEvent.click(screen.getByTestId("forget-person"));
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("Forget Noura Al-Ajmi?");
    expect(dialog.textContent).toContain("stays on the do-not-call list");
    expect(forget).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByText("Erase their data"));
    await vi.waitFor(() => expect(forget).toHaveBeenCalledWith(42));
  });

  it("offers nothing more for a person already forgotten", () => {
    renderWith(detail("deleted"));
    expect(screen.queryByTestId("forget-person")).toBeNull();
    expect(screen.getByTestId("call-contact").textContent).toContain("deleted");
  });

  it("forgets the call of a caller without a contact record, after confirming", async () => {
    const forget = vi.spyOn(api.calls, "forget").mockResolvedValue({ id: 7, phone_e164: "", calls: 1, files_deleted: 1 });
    renderWith({ ...detail("active"), contact: null });
    expect(screen.queryByTestId("forget-person")).toBeNull();
    fireEvent.click(screen.getByTestId("forget-call"));
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("call #7");
    expect(forget).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByText("Erase the call's content"));
    await vi.waitFor(() => expect(forget).toHaveBeenCalledWith(7));
  });
});
