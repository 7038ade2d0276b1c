import { afterEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

const { tauriPlatform, toBase64 } = await import("./tauri");

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

describe("saving a download from the desktop window", () => {
  afterEach(() => invoke.mockReset());

  it("sends the bytes to the shell as base64 and answers with where they went", async () => {
    invoke.mockResolvedValue("/home/dealer/Downloads/calls (2).csv");
    const p = tauriPlatform();
    const saved = await p.saveFile("calls.csv", new Blob(["\ufeff", "a,b\n"], { type: "text/csv" }));
    expect(saved).toBe("/home/dealer/Downloads/calls (2).csv");
    const [cmd, body] = invoke.mock.calls[0] as [string, { request: { filename: string; content: string; encoding: string } }];
    expect(cmd).toBe("save_download");
    expect(body.request.filename).toBe("calls.csv");
    expect(body.request.encoding).toBe("base64");
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(atob(body.request.content), (c) => c.charCodeAt(0)))).toBe("\ufeffa,b\n");
  });

  it("turns the shell's refusal into an ApiError", async () => {
    invoke.mockRejectedValue({ code: "internal", message: "cannot save /x: disk full" });
    await expect(tauriPlatform().saveFile("x.csv", new Blob(["x"]))).rejects.toMatchObject({ code: "internal", message: "cannot save /x: disk full" });
  });

  it("encodes large blobs without running out of stack", async () => {
    const big = new Uint8Array(300_000).map((_, i) => i % 251);
    const decoded = Uint8Array.from(atob(await toBase64(new Blob([big]))), (c) => c.charCodeAt(0));
    expect(decoded.length).toBe(big.length);
    expect(decoded[299_999]).toBe(299_999 % 251);
  });
});
