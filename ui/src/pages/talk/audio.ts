// The browser's audio for "Talk to agent": the microphone through the capture worklet (or a
// ScriptProcessor where AudioWorklet is missing), and a player for the agent's PCM16 16 kHz frames that can
// be cut off at once when the agent is interrupted (barge-in).

import { decodePcm16 } from "../live/listen";
import { MicEncoder, rms, TALK_RATE } from "./pcm";

/** The cushion a (re)started playback queue begins with, against network jitter. */
export const PLAY_CUSHION_S = 0.06;

/** Where the next agent frame starts: right after the previous one, or a cushion from now if the queue ran dry. */
export function nextStart(playhead: number, now: number): number {
  return playhead < now + 0.005 ? now + PLAY_CUSHION_S : playhead;
}

export interface Mic {
  stop(): void;
  /** "worklet" or "script-processor". */
  readonly path: string;
}

export interface MicHandlers {
  frame(bytes: ArrayBuffer): void;
  level(value: number): void;
}

/** Why the microphone could not be opened, in words for the panel. */
export function micError(e: unknown): { code: string; message: string } {
  const name = e instanceof DOMException || e instanceof Error ? e.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return { code: "microphone_denied", message: "Microphone access was refused. Allow it for this window and try again." };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return { code: "microphone_missing", message: "No microphone was found on this computer." };
  }
  if (name === "NotReadableError") {
    return { code: "microphone_busy", message: "The microphone is in use by another program." };
  }
  const detail = e instanceof Error ? e.message : String(e);
  return { code: "microphone", message: `Cannot open the microphone: ${detail}` };
}

/** Opens the microphone on `ctx` and streams 20 ms PCM16LE 16 kHz frames to `on.frame`. */
export async function openMic(ctx: AudioContext, on: MicHandlers): Promise<Mic> {
  const media = navigator.mediaDevices;
  if (!media?.getUserMedia) {
    throw Object.assign(new Error("this window has no microphone access (getUserMedia is missing)"), { name: "NotSupportedError" });
  }
  const stream = await media.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const source = ctx.createMediaStreamSource(stream);
  const release = () => stream.getTracks().forEach((t) => t.stop());
  if (ctx.audioWorklet) {
    try {
      const { default: url } = await import("./capture-worklet.ts?worker&url");
      await ctx.audioWorklet.addModule(url);
      const node = new AudioWorkletNode(ctx, "talk-capture", { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1 });
      node.port.onmessage = (m: MessageEvent<{ frame?: ArrayBuffer; level?: number }>) => {
        if (m.data.frame) on.frame(m.data.frame);
        if (m.data.level != null) on.level(m.data.level);
      };
      source.connect(node);
      return {
        path: "worklet",
        stop() {
          node.port.onmessage = null;
          source.disconnect();
          release();
        },
      };
    } catch (e) {
      console.warn("callboard: the capture worklet failed; using a ScriptProcessor", e);
    }
  }
  // Fallback: the same encoder on the page's thread.
  const encoder = new MicEncoder(ctx.sampleRate);
  const proc = ctx.createScriptProcessor(2048, 1, 1);
  proc.onaudioprocess = (ev) => {
    const block = ev.inputBuffer.getChannelData(0);
    for (const f of encoder.encode(block)) on.frame(f);
    on.level(rms(block));
  };
  source.connect(proc);
  // A ScriptProcessor only runs when connected to the output; it writes silence there.
  proc.connect(ctx.destination);
  return {
    path: "script-processor",
    stop() {
      proc.onaudioprocess = null;
      source.disconnect();
      proc.disconnect();
      release();
    },
  };
}

/** Plays the agent's frames back to back; `flush` silences everything queued (barge-in). */
export class Player {
  private playhead = 0;
  private readonly playing = new Set<AudioBufferSourceNode>();

  constructor(private readonly ctx: AudioContext) {}

  play(bytes: ArrayBuffer): void {
    const samples = decodePcm16(bytes);
    if (samples.length === 0) return;
    const buffer = this.ctx.createBuffer(1, samples.length, TALK_RATE);
    buffer.copyToChannel(samples, 0);
    const src = this.ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.ctx.destination);
    const at = nextStart(this.playhead, this.ctx.currentTime);
    src.start(at);
    this.playhead = at + samples.length / TALK_RATE;
    this.playing.add(src);
    src.onended = () => this.playing.delete(src);
  }

  /** Seconds of agent speech still queued. */
  queued(): number {
    return Math.max(0, this.playhead - this.ctx.currentTime);
  }

  flush(): void {
    for (const src of this.playing) {
      try {
        src.stop();
      } catch {
        // already stopped
      }
    }
    this.playing.clear();
    this.playhead = 0;
  }
}
