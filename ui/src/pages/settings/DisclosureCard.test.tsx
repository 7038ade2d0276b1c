import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithQueries } from "../../test-render";
import type { Agent, AgentProvider } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { fakePlatform } from "../../platform/fake";
import { DisclosureCard } from "./DisclosureCard";

function agent(id: number, name: string, provider: AgentProvider, disclosure: string): Agent {
  return { id, name, provider, language: "en", voice: "", prompt: "", first_message: "", disclosure, created_at: "", updated_at: "t0" };
}

/** A fake transport: `agent.set_disclosure` refuses over 1000 characters, as the core does. */
function fake(initial: Agent[]) {
  let agents = initial;
  const calls: [string, Record<string, unknown>][] = [];
  const p: Platform = fakePlatform(async <T,>(cmd: string, args: object = {}) => {
    const a = args as { id: number; disclosure: string };
    calls.push([cmd, a]);
    if (cmd === "agent.list") return agents as T;
    if (cmd === "agent.set_disclosure") {
      if (a.disclosure.length > 1000) throw { code: "validation", message: "disclosure: must be at most 1000 characters" };
      agents = agents.map((x) => (x.id === a.id ? { ...x, disclosure: a.disclosure.trim(), updated_at: `t${calls.length}` } : x));
      return agents.find((x) => x.id === a.id) as T;
    }
    return null as T;
  });
  setPlatform(p);
  return calls;
}

function renderCard() {
  renderWithQueries(<DisclosureCard />);
}

describe("the recording disclosure card", () => {
  afterEach(() => document.body.replaceChildren());

  it("lists each agent's disclosure and saves a change", async () => {
    const calls = fake([agent(1, "Sara", "sim", "This call may be recorded."), agent(2, "Layla", "elevenlabs", "")]);
    renderCard();
    const rows = await screen.findAllByTestId("disclosure-agent");
    expect(rows).toHaveLength(2);
    expect((within(rows[0]).getByTestId("disclosure-input") as HTMLInputElement).value).toBe("This call may be recorded.");
    expect(within(rows[1]).getByText(/put the disclosure there as well/)).toBeTruthy();
    const save = within(rows[1]).getByTestId("disclosure-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(within(rows[1]).getByTestId("disclosure-input"), { target: { value: " Calls are recorded. " } });
    fireEvent.click(save);
    await waitFor(() => expect(calls.some(([c]) => c === "agent.set_disclosure")).toBe(true));
    expect(calls.find(([c]) => c === "agent.set_disclosure")?.[1]).toEqual({ id: 2, disclosure: " Calls are recorded. " });
    await waitFor(() => {
      const row = screen.getAllByTestId("disclosure-agent")[1];
      expect((within(row).getByTestId("disclosure-input") as HTMLInputElement).value).toBe("Calls are recorded.");
    });
  });

  it("shows the core's refusal next to the field", async () => {
    fake([agent(1, "Sara", "sim", "")]);
    renderCard();
    const row = await screen.findByTestId("disclosure-agent");
    fireEvent.change(within(row).getByTestId("disclosure-input"), { target: { value: "x".repeat(1001) } });
    fireEvent.click(within(row).getByTestId("disclosure-save"));
    expect((await screen.findByTestId("disclosure-error")).textContent).toContain("at most 1000 characters");
  });
});
