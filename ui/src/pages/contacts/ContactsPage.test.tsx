import { render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Contact } from "../../api/types";
import { ContactTable, listArgs, variablesText } from "./ContactsPage";

function contact(i: number): Contact {
  return {
    id: 1_000_000 - i,
    phone_e164: `+9655${String(i).padStart(7, "0")}`,
    name: `Person ${i}`,
    email: "",
    language: "ar",
    time_zone: "Asia/Kuwait",
    time_zone_source: "number",
    status: "active",
    external_id: "",
    variables: { car_interest: "SUV" },
    campaign_state: null,
    created_at: "2026-11-26T10:00:00Z",
  };
}

describe("listArgs", () => {
  it("leaves empty filters out so equal filters share a cache entry", () => {
    expect(listArgs("  ", "", null)).toEqual({});
    expect(listArgs(" 5512 ", "opted_out", 3)).toEqual({ search: "5512", status: "opted_out", campaign_id: 3 });
  });
});

describe("ContactTable", () => {
  beforeEach(() => {
    // jsdom lays nothing out: give the scroller a viewport, as a browser would.
    vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(600);
    vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(1000);
  });

  it("keeps only the visible rows in the DOM, even for a huge list", () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => contact(i));
    render(<ContactTable rows={rows} hasMore={false} loading={false} inCampaign={false} onNeedMore={() => {}} />);
    const rendered = screen.getAllByTestId("contact-row");
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(60);
    expect(rendered[0]?.textContent).toContain("+96550000000");
    expect(screen.getByTestId("contacts-table").getAttribute("aria-rowcount")).toBe("100000");
  });

  it("asks for the next page when the end of what is loaded comes into view", () => {
    const onNeedMore = vi.fn();
    render(<ContactTable rows={[contact(1), contact(2)]} hasMore loading={false} inCampaign={false} onNeedMore={onNeedMore} />);
    expect(onNeedMore).toHaveBeenCalled();
    expect(screen.getByTestId("contacts-loading")).toBeTruthy();
  });

  it("does not ask when everything is loaded, and says when nothing matches", () => {
    const onNeedMore = vi.fn();
    render(<ContactTable rows={[]} hasMore={false} loading={false} inCampaign onNeedMore={onNeedMore} />);
    expect(onNeedMore).not.toHaveBeenCalled();
    expect(screen.getByTestId("contacts-none")).toBeTruthy();
  });

  it("shows variables as text", () => {
    expect(variablesText({ ...contact(1), variables: { a: "x", b: 2 } })).toBe("a: x · b: 2");
  });
});
