import { act, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setPlatform, type Platform } from "../../platform";
import { useListen } from "./listen";

class FakeWs {
  static urls: string[] = [];
  binaryType = "blob";
  onopen: (() => void) | null = null;
  onmessage: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(url: string) {
    FakeWs.urls.push(url);
  }
  close() {}
}

function desktopPlatform(socketUrl: Platform["socketUrl"]): Platform {
  return {
    transport: "desktop",
    call: vi.fn(),
    subscribe: () => () => {},
    saveFile: async () => null,
    upload: vi.fn(),
    onConnection: () => () => {},
    socketUrl,
  };
}

describe("listen in the desktop window", () => {
  afterEach(() => {
    setPlatform(null);
    FakeWs.urls = [];
    vi.unstubAllGlobals();
  });

  it("asks the platform for the UI listener's socket URL, then connects", async () => {
    vi.stubGlobal("WebSocket", FakeWs);
    const socketUrl = vi.fn(async (path: string) => `ws://127.0.0.1:8787${path}?token=t`);
    setPlatform(desktopPlatform(socketUrl));
    const { result } = renderHook(() => useListen(42));
    await act(async () => result.current.start());
    expect(socketUrl).toHaveBeenCalledWith("/api/calls/42/listen");
    expect(FakeWs.urls).toEqual(["ws://127.0.0.1:8787/api/calls/42/listen?token=t"]);
    expect(result.current.state).toBe("connecting");
    act(() => result.current.stop());
    expect(result.current.state).toBe("off");
  });

  it("says so when the core cannot tell where the listener is", async () => {
    vi.stubGlobal("WebSocket", FakeWs);
    setPlatform(desktopPlatform(async () => Promise.reject(new Error("the UI listener is not running"))));
    const { result } = renderHook(() => useListen(1));
    await act(async () => result.current.start());
    expect(result.current.state).toBe("error");
    expect(result.current.error).toContain("the UI listener is not running");
    expect(FakeWs.urls).toEqual([]);
  });
});
