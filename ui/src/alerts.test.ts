import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { showAlert } from "./alerts";
import { api, keys } from "./api/client";
import type { Campaign } from "./api/types";
import { useUi } from "./state/ui";

const named = (id: number, name: string) => ({ id, name }) as Campaign;

describe("showAlert", () => {
  afterEach(() => useUi.setState({ toasts: [] }));

  it("names the campaign from the cache and says what happened", async () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.campaigns, [named(4, "Test drives")]);
    await showAlert(qc, { type: "alert", kind: "circuit_breaker", campaign_id: 4, message: "circuit breaker: 20 of the last 20 dials failed" });
    expect(useUi.getState().toasts.at(-1)).toMatchObject({
      kind: "warning",
      title: "Circuit breaker tripped · Test drives",
      message: "circuit breaker: 20 of the last 20 dials failed",
      code: "circuit_breaker",
    });
  });

  it("asks for a campaign this tab has not loaded, and still alerts if that fails", async () => {
    const qc = new QueryClient();
    const get = vi.spyOn(api.campaigns, "get").mockResolvedValueOnce(named(9, "Renewals"));
    await showAlert(qc, { type: "alert", kind: "stuck_call", campaign_id: 9, message: "call 12 had no end event for 10 min" });
    expect(get).toHaveBeenCalledWith(9);
    expect(useUi.getState().toasts.at(-1)?.title).toBe("Stuck call · Renewals");

    get.mockRejectedValueOnce(new Error("offline"));
    await showAlert(qc, { type: "alert", kind: "something_new", campaign_id: 10, message: "?" });
    expect(useUi.getState().toasts.at(-1)?.title).toBe("Alert · campaign #10");
  });
});
