import { fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithQueries } from "../../test-render";
import { api } from "../../api/client";
import { row } from "../../api/testCalls";
import type { ContactDetail } from "../../api/types";
import { ContactDrawer, membershipText } from "./ContactDrawer";

const m = (state: string, attempts = 1, wait_reason = "") => ({ campaign_id: 1, campaign_name: "Renewals", state, attempts, wait_reason, next_attempt_at: null });

function detail(listed: boolean): ContactDetail {
  return {
    contact: {
      id: 42,
      phone_e164: "+96555123456",
      name: "Noura Al-Ajmi",
      email: "",
      language: "ar",
      time_zone: "Asia/Kuwait",
      time_zone_source: "number",
      status: listed ? "opted_out" : "active",
      external_id: "",
      variables: { car: "Patrol" },
      campaign_state: null,
      created_at: "2026-11-26T10:00:00Z",
    },
    campaigns: [m("retry_wait", 2)],
    calls: [row(7, { status: "no_answer", campaign_name: "Renewals" })],
    dnc: listed
      ? [{ id: 1, phone_e164: "+96555123456", campaign_id: null, campaign_name: null, contact_name: "Noura Al-Ajmi", source: "opt_out", reason: "", created_at: "2026-11-26T10:00:00Z" }]
      : [],
  };
}

const renderDrawer = () => renderWithQueries(<ContactDrawer contactId={42} onClose={() => {}} />);

describe("membershipText", () => {
  it("says where a campaign stands with the contact", () => {
    expect(membershipText(m("pending", 0))).toBe("Waiting to be called");
    expect(membershipText(m("retry_wait", 2))).toBe("Retry later (2 calls so far)");
    expect(membershipText(m("retry_wait", 1, "callback_later"))).toBe("Callback set (1 call so far)");
    expect(membershipText(m("done", 3))).toBe("Done after 3 calls");
    expect(membershipText(m("suppressed", 1))).toBe("Set aside: on a do-not-call list");
  });
});

describe("ContactDrawer", () => {
  afterEach(() => vi.restoreAllMocks());

  it("shows the contact's campaigns and calls, and puts the number on the list", async () => {
    vi.spyOn(api.contacts, "get").mockResolvedValue(detail(false));
    const add = vi.spyOn(api.dnc, "add").mockResolvedValue(detail(true).dnc[0]);
    renderDrawer();
    expect((await screen.findByTestId("contact-campaigns")).textContent).toContain("Retry later (2 calls so far)");
    expect(screen.getByTestId("contact-calls").textContent).toContain("Renewals");
    fireEvent.click(screen.getByTestId("contact-block"));
    await vi.waitFor(() => expect(add).toHaveBeenCalledWith({ phone: "+96555123456", reason: "Added from the contact's page" }));
  });

  it("says when the number is on the list, and offers no second entry", async () => {
    vi.spyOn(api.contacts, "get").mockResolvedValue(detail(true));
    renderDrawer();
    expect((await screen.findByTestId("contact-dnc")).textContent).toContain("Asked on a call");
    expect(screen.queryByTestId("contact-block")).toBeNull();
    expect(screen.getByTestId("forget-person")).toBeTruthy();
  });
});
