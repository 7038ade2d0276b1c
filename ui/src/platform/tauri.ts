// The desktop transport: the one `rpc` Tauri command and the `callboard://events` Tauri event.
// This is the only file that imports @tauri-apps/*.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { ApiError } from "../api/error";
import type { CampaignEvent, UiEndpoint } from "../api/types";
import { uploadInPieces } from "./pieces";
import type { Platform } from "./types";

export const EVENT_NAME = "callboard://events";

/** A blob as base64, in slices (`btoa` over one huge string would run out of stack). */
export async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export function tauriPlatform(): Platform {
  async function call<T>(cmd: string, args: object = {}): Promise<T> {
    try {
      return await invoke<T>("rpc", { request: { cmd, args } });
    } catch (e) {
      throw ApiError.from(e);
    }
  }
  // Live audio (listen, talk) and recordings stream from the UI listener, not over IPC: ask once where it is.
  let endpoint: Promise<UiEndpoint> | null = null;
  async function onListener(path: string, scheme: "ws" | "http"): Promise<string | null> {
    endpoint ??= call<UiEndpoint>("ui.endpoint");
    try {
      const e = await endpoint;
      return `${scheme === "ws" ? e.ws_url : e.base_url}${path}?token=${encodeURIComponent(e.token)}`;
    } catch (err) {
      endpoint = null;
      throw err;
    }
  }
  return {
    transport: "desktop",
    socketUrl: (path) => onListener(path, "ws"),
    async saveFile(filename, blob) {
      try {
        return await invoke<string>("save_download", { request: { filename, content: await toBase64(blob), encoding: "base64" } });
      } catch (e) {
        throw ApiError.from(e);
      }
    },
    async recording(callId) {
      const url = await onListener(`/api/calls/${callId}/recording`, "http");
      return url ? { url, downloadable: false } : null;
    },
    call,
    upload: (file, onProgress) => uploadInPieces(call, file, onProgress),
    subscribe(handler) {
      let unlisten: (() => void) | null = null;
      let done = false;
      listen<CampaignEvent[]>(EVENT_NAME, (e) => handler(e.payload)).then(
        (fn) => (done ? fn() : (unlisten = fn)),
        (e: unknown) => console.error("callboard: cannot listen for events", e),
      );
      return () => {
        done = true;
        unlisten?.();
      };
    },
    onConnection(handler) {
      // In-process IPC: always connected.
      handler("connected");
      return () => {};
    },
  };
}
