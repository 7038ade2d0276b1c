import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithQueries } from "../../test-render";
import type { SheetsAccount } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { fakePlatform } from "../../platform/fake";
import { GoogleSheetsCard } from "./GoogleSheetsCard";

const KEY = '{"type":"service_account","client_email":"importer@acme.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----"}';

/** A fake transport: `secret.set` refuses anything but KEY, as the core does for a value that is not a key file. */
function fake(initial: SheetsAccount) {
  let account = initial;
  const calls: [string, Record<string, unknown>][] = [];
  const p: Platform = fakePlatform(async <T,>(cmd: string, args: object = {}) => {
    const a = args as Record<string, unknown>;
    calls.push([cmd, a]);
    if (cmd === "import.sheets_account") return account as T;
    if (cmd === "secret.set") {
      if (a.value !== KEY) throw { code: "validation", message: "value: the service-account key cannot be used: not a service-account key file" };
      account = { ...account, client_email: "importer@acme.iam.gserviceaccount.com", source: "keychain" };
      return { name: a.name, set: true, source: "keychain", env_var: "X" } as T;
    }
    if (cmd === "secret.clear") {
      account = { ...account, client_email: null, source: null };
      return { name: a.name, set: false, source: null, env_var: "X" } as T;
    }
    return null as T;
  });
  setPlatform(p);
  return calls;
}

function renderCard() {
  renderWithQueries(<GoogleSheetsCard />);
}

const none: SheetsAccount = { client_email: null, source: null, problem: null, api_key_from_env: false };

afterEach(() => setPlatform(null));

describe("GoogleSheetsCard", () => {
  it("saves a chosen key file and then names the address to share sheets with", async () => {
    const calls = fake(none);
    renderCard();
    await waitFor(() => expect(screen.getByTestId("sheets-account").textContent).toContain("None saved"));
    const file = new File([KEY], "key.json", { type: "application/json" });
    fireEvent.change(screen.getByTestId("sheets-key-file"), { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId("sheets-account").textContent).toContain("importer@acme.iam.gserviceaccount.com"));
    expect(calls.find(([c]) => c === "secret.set")?.[1]).toEqual({ name: "google.service_account_json", value: KEY });
    fireEvent.click(screen.getByTestId("sheets-remove"));
    await waitFor(() => expect(screen.getByTestId("sheets-account").textContent).toContain("None saved"));
  });

  it("shows why a file that is not a key was refused", async () => {
    fake(none);
    renderCard();
    await screen.findByText(/None saved/);
    fireEvent.change(screen.getByTestId("sheets-key-file"), { target: { files: [new File(["{}"], "x.json")] } });
    const err = await screen.findByTestId("sheets-error");
    expect(err.textContent).toContain("not a service-account key file");
    expect(screen.getByTestId("sheets-account").textContent).toContain("None saved");
  });

  it("says when the environment sets the key, and offers no upload then", async () => {
    fake({ client_email: "ops@acme.iam.gserviceaccount.com", source: "env", problem: null, api_key_from_env: true });
    renderCard();
    await screen.findByText("ops@acme.iam.gserviceaccount.com");
    expect(screen.queryByTestId("sheets-key-file")).toBeNull();
    expect(screen.getByText(/CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON sets the key/)).toBeTruthy();
    expect(screen.getByText(/CALLBOARD_GOOGLE_API_KEY is set/)).toBeTruthy();
  });
});
