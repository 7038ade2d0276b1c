import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { AppInfo } from "../api/types";
import { DemoBanner } from "./DemoBanner";

const info = (demo: boolean): AppInfo =>
  ({
    version: "0.1.0",
    data_dir: "/tmp/d",
    database_path: "/tmp/d/callboard.db",
    schema_version: 4,
    demo,
    ui_url: null,
    public_listener: null,
    public_base_url: null,
  }) as AppInfo;

function renderBanner() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <DemoBanner />
    </QueryClientProvider>,
  );
}

describe("DemoBanner", () => {
  afterEach(() => vi.restoreAllMocks());

  it("shows nothing outside demo mode", async () => {
    const appInfo = vi.spyOn(api, "appInfo").mockResolvedValue(info(false));
    renderBanner();
    await waitFor(() => expect(appInfo).toHaveBeenCalled());
    expect(screen.queryByTestId("demo-banner")).toBeNull();
  });

  it("leaves demo mode only after confirmation", async () => {
    let demo = true;
    vi.spyOn(api, "appInfo").mockImplementation(async () => info(demo));
    const leave = vi.spyOn(api.demo, "leave").mockImplementation(async () => {
      demo = false;
      return info(false);
    });
    renderBanner();
    fireEvent.click(await screen.findByTestId("demo-leave"));
    await screen.findByTestId("confirm-dialog");
    expect(leave).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("confirm-ok"));
    await waitFor(() => expect(leave).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(screen.queryByTestId("demo-banner")).toBeNull());
  });
});
