import type { CampaignEvent, Uploaded } from "../api/types";

/** The event stream's health, shown in the top bar. */
export type ConnectionState =
  | "connecting" // first connection attempt
  | "connected" // events are flowing
  | "reconnecting" // lost; retrying with backoff
  | "unauthorized"; // no token or a wrong one: nothing will work until the printed URL is opened

/** A recording to play, and whether the page may offer it as a download link. */
export interface RecordingSource {
  url: string;
  downloadable: boolean;
}

/** What the UI needs from a transport. `tauri.ts` and `web.ts` implement it; nothing else may tell them apart. */
export interface Platform {
  readonly transport: "desktop" | "browser";
  /** Runs one command. Rejects with an `ApiError`. */
  call<T>(cmd: string, args?: object): Promise<T>;
  /** Receives event batches until the returned function is called. */
  subscribe(handler: (events: CampaignEvent[]) => void): () => void;
  /** Sends a file to the core for import; resolves with its upload id. `onProgress` gets bytes sent so far. */
  upload(file: File, onProgress?: (sent: number) => void): Promise<Uploaded>;
  /** Connection state changes; the handler is called at once with the current state. */
  onConnection(handler: (state: ConnectionState) => void): () => void;
  /** The live-listen WebSocket URL for a call (binary PCM16LE 8 kHz frames), or null where unavailable. */
  listenUrl?(callId: number): string | null;
  /**
   * Where a call's recording plays from, for an <audio> element (the URL carries the token: the element sends
   * no headers), or null where unavailable. The desktop window asks the core for the UI listener's address
   * (`ui.endpoint`); its page has another origin, where a download link would navigate the window away.
   */
  recording?(callId: number): Promise<RecordingSource | null>;
  /**
   * Saves a file the page offers (an export, an import's errors). The browser downloads it as usual and this
   * resolves with null; the desktop window has it saved in the Downloads folder and resolves with the path.
   */
  saveFile(filename: string, blob: Blob): Promise<string | null>;
  /**
   * A WebSocket URL (with the token) for a path on the UI listener, e.g. `/api/agents/3/talk`; null where
   * there is none. The desktop window asks the core for the listener's address (`ui.endpoint`).
   */
  socketUrl?(path: string): Promise<string | null>;
}
