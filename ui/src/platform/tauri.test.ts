import { afterEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

const { tauriPlatform } = await import("./tauri");

describe("the desktop window's sockets", () => {
  afterEach(() => invoke.mockReset());

  it("asks the core once where the UI listener is, then builds socket URLs with its token", async () => {
    invoke.mockResolvedValue({ base_url: "http://127.0.0.1:8787", ws_url: "ws://127.0.0.1:8787", token: "tok+1" });
    const p = tauriPlatform();
    await expect(p.socketUrl?.("/api/calls/5/listen")).resolves.toBe("ws://127.0.0.1:8787/api/calls/5/listen?token=tok%2B1");
    await expect(p.socketUrl?.("/api/agents/2/talk")).resolves.toBe("ws://127.0.0.1:8787/api/agents/2/talk?token=tok%2B1");
    // Recordings play from the same listener over http (the <audio> element sends no headers).
    await expect(p.recording?.(7)).resolves.toEqual({ url: "http://127.0.0.1:8787/api/calls/7/recording?token=tok%2B1", downloadable: false });
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith("rpc", { request: { cmd: "ui.endpoint", args: {} } });
  });

  it("asks again after a failure", async () => {
    invoke.mockRejectedValueOnce({ code: "conflict", message: "the UI listener is not running" });
    const p = tauriPlatform();
    await expect(p.socketUrl?.("/x")).rejects.toMatchObject({ code: "conflict" });
    invoke.mockResolvedValue({ base_url: "http://127.0.0.1:1", ws_url: "ws://127.0.0.1:1", token: "t" });
    await expect(p.socketUrl?.("/x")).resolves.toBe("ws://127.0.0.1:1/x?token=t");
  });
});
