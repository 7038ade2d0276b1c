import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { CarriersOut, SecretsOut } from "../../api/types";
import { setPlatform, type Platform } from "../../platform";
import { fakePlatform } from "../../platform/fake";
import { CarrierPanel } from "./CarrierPanel";

const out = (over: Partial<CarriersOut> = {}): CarriersOut => ({
  live: true,
  carriers: [
    { provider: "twilio", configured: false, missing: ["Auth token"], from_env: ["twilio.account_sid"], base_url: "https://api.twilio.com", numbers: [] },
    { provider: "exotel", configured: true, missing: [], from_env: ["exotel.flow_id"], base_url: "https://api.in.exotel.com", numbers: ["08047112233"] },
  ],
  settings: { twilio: { from_numbers: [] }, exotel: { region: "mumbai", caller_ids: ["08047112233"], flow_id: "" } },
  ...over,
});

const secrets: SecretsOut = {
  store: "file",
  warning: null,
  secrets: [
    { name: "twilio.account_sid", set: true, source: "env", env_var: "CALLBOARD_TWILIO_ACCOUNT_SID" },
    { name: "twilio.auth_token", set: false, source: null, env_var: "CALLBOARD_TWILIO_AUTH_TOKEN" },
  ],
};

/** A fake transport: `answer` decides each command's reply (throwing = an error answer); calls are logged. */
function fake(answer: (cmd: string, args: unknown) => unknown): [string, unknown][] {
  const calls: [string, unknown][] = [];
  const p: Platform = fakePlatform(async <T,>(cmd: string, args?: object) => {
    calls.push([cmd, args]);
    return answer(cmd, args) as T;
  });
  setPlatform(p);
  return calls;
}

function wrap(node: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}

afterEach(() => setPlatform(null));

describe("CarrierPanel", () => {
  it("shows what is missing, what the environment sets, and saves the caller numbers", async () => {
    let state = out();
    const calls = fake((cmd, args) => {
      if (cmd === "carrier.status") return state;
      if (cmd === "secret.status") return secrets;
      if (cmd === "carrier.settings.set") {
        const nums = (args as { twilio: { from_numbers: string[] } }).twilio.from_numbers;
        state = out({ settings: { ...state.settings, twilio: { from_numbers: nums } } });
        state.carriers[0] = { ...state.carriers[0], numbers: nums };
        return state;
      }
      return null;
    });
    wrap(<CarrierPanel provider="twilio" />);
    await waitFor(() => expect(screen.getByTestId("carrier-chip-twilio").textContent).toBe("Not configured: Auth token missing"));
    expect(screen.getByTestId("carrier-env-twilio").textContent).toContain("Set by environment: Account SID");
    expect((await screen.findByTestId("secret-state-twilio.account_sid")).textContent).toContain("environment");
    fireEvent.change(screen.getByTestId("carrier-twilio-numbers"), { target: { value: "+14155550100\n+14155550111" } });
    fireEvent.click(screen.getByTestId("carrier-save-twilio"));
    await waitFor(() =>
      expect(calls).toContainEqual(["carrier.settings.set", { twilio: { from_numbers: ["+14155550100", "+14155550111"] } }]),
    );
  });

  it("puts a refused setting next to its field, and says when the flow id comes from the environment", async () => {
    fake((cmd) => {
      if (cmd === "carrier.status") return out();
      if (cmd === "secret.status") return { ...secrets, secrets: [] };
      if (cmd === "carrier.settings.set")
        throw { code: "validation", message: "exotel.flow_id: must be numeric", fields: [{ field: "exotel.flow_id", message: "must be the flow's numeric app id" }] };
      return null;
    });
    wrap(<CarrierPanel provider="exotel" />);
    await waitFor(() => expect(screen.getByTestId("carrier-chip-exotel").textContent).toBe("Ready"));
    expect(screen.getByTestId("carrier-env-exotel").textContent).toContain("flow id");
    expect(screen.getByText(/Set by environment \(CALLBOARD_EXOTEL_FLOW_ID\)/)).toBeTruthy();
    expect((screen.getByTestId("carrier-exotel-region") as HTMLSelectElement).value).toBe("mumbai");
    fireEvent.change(screen.getByTestId("carrier-exotel-flow"), { target: { value: "my flow" } });
    fireEvent.click(screen.getByTestId("carrier-save-exotel"));
    expect((await screen.findByTestId("field-error-exotel-flow-id")).textContent).toContain("numeric app id");
  });

  it("says a restart is needed where carriers do not reload", async () => {
    fake((cmd) => (cmd === "carrier.status" ? out({ live: false }) : cmd === "secret.status" ? secrets : null));
    wrap(<CarrierPanel provider="twilio" />);
    expect((await screen.findByTestId("carrier-restart-twilio")).textContent).toContain("restart");
  });
});
