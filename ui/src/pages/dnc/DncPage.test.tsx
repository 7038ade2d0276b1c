import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import { ApiError } from "../../api/error";
import type { DncEntry } from "../../api/types";
import { DncPage, dncArgs } from "./DncPage";

const optOut: DncEntry = {
  id: 2,
  phone_e164: "+96555123456",
  campaign_id: null,
  campaign_name: null,
  contact_name: "Yousef Al-Mutairi",
  source: "opt_out",
  reason: "The contact asked not to be called again: “Please don't call me again.”",
  created_at: "2026-11-27T08:00:00Z",
};

describe("dncArgs", () => {
  it("leaves an empty search out", () => {
    expect(dncArgs("  ")).toEqual({});
    expect(dncArgs(" 5512 ")).toEqual({ search: "5512" });
  });
});

describe("DncPage", () => {
  let qc: QueryClient;
  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    vi.spyOn(api.campaigns, "list").mockResolvedValue([]);
  });
  afterEach(() => vi.restoreAllMocks());
  const renderPage = () =>
    render(
      <QueryClientProvider client={qc}>
        <DncPage />
      </QueryClientProvider>,
    );

  it("lists who is on the list and why, and takes a number off after asking", async () => {
    const list = vi.spyOn(api.dnc, "list").mockResolvedValue({ entries: [optOut], next_before: null, total: 1 });
    const remove = vi.spyOn(api.dnc, "remove").mockResolvedValue({ phone_e164: optOut.phone_e164, campaign_id: null, removed: true });
    renderPage();
    const row = await screen.findByTestId("dnc-row");
    expect(row.textContent).toContain("+96555123456");
    expect(row.textContent).toContain("Yousef Al-Mutairi");
    expect(row.textContent).toContain("Every campaign");
    expect(row.textContent).toContain("Asked on a call");
    expect(screen.getByTestId("dnc-total").textContent).toBe("1 number");

    fireEvent.click(within(row).getByTestId("dnc-remove"));
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("They asked not to be called");
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByText("Remove from the list"));
    await vi.waitFor(() => expect(remove).toHaveBeenCalledWith("+96555123456", null));
    await vi.waitFor(() => expect(list.mock.calls.length).toBeGreaterThan(1));
  });

  it("adds a number as typed and shows the core's reason when it is not a number", async () => {
    vi.spyOn(api.dnc, "list").mockResolvedValue({ entries: [optOut], next_before: null, total: 1 });
    const add = vi
      .spyOn(api.dnc, "add")
      .mockRejectedValueOnce(new ApiError("validation", "phone: '12' is not a phone number we can call (too short)"))
      .mockResolvedValueOnce({ ...optOut, id: 3, phone_e164: "+96599887766", source: "manual", contact_name: null, reason: "by e-mail" });
    renderPage();
    fireEvent.click(await screen.findByTestId("dnc-add-open"));
    fireEvent.change(screen.getByTestId("dnc-phone"), { target: { value: "12" } });
    fireEvent.click(screen.getByTestId("dnc-submit"));
    expect((await screen.findByTestId("dnc-error")).textContent).toContain("too short");

    fireEvent.change(screen.getByTestId("dnc-phone"), { target: { value: "9988 7766" } });
    fireEvent.change(screen.getByTestId("dnc-reason"), { target: { value: "by e-mail" } });
    fireEvent.click(screen.getByTestId("dnc-submit"));
    expect((await screen.findByTestId("dnc-added")).textContent).not.toBe("");
    await vi.waitFor(() => expect(screen.getByTestId("dnc-added").textContent).toBe("+96599887766 is on the list."));
    expect(add).toHaveBeenLastCalledWith({ phone: "9988 7766", reason: "by e-mail" });
  });

  it("explains the list when it is empty", async () => {
    vi.spyOn(api.dnc, "list").mockResolvedValue({ entries: [], next_before: null, total: 0 });
    renderPage();
    expect((await screen.findByTestId("empty-state")).textContent).toContain("Nobody is on the do-not-call list");
  });
});
