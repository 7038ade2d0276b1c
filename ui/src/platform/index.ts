// Picks the transport once, at startup: Tauri's IPC inside the desktop window, HTTP + WebSocket in a browser.

import { isTauri, tauriPlatform } from "./tauri";
import type { Platform } from "./types";
import { webPlatform } from "./web";

export type { ConnectionState, Platform } from "./types";

let current: Platform | null = null;

export function platform(): Platform {
  current ??= isTauri() ? tauriPlatform() : webPlatform();
  return current;
}

/** Tests swap in a fake transport. */
export function setPlatform(p: Platform | null): void {
  current = p;
}
