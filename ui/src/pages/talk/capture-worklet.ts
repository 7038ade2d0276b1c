// The microphone's capture worklet: runs on the audio thread, turns each 128-sample block at the device rate
// into 20 ms PCM16LE frames at 16 kHz (see pcm.ts) and posts them, with a level for the meter, to the page.
// Loaded with `audioWorklet.addModule` (Vite bundles it with its imports: `?worker&url`).

import { MicEncoder, rms } from "./pcm";

// The AudioWorkletGlobalScope's names; TypeScript's DOM library does not describe that scope.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

class TalkCapture extends AudioWorkletProcessor {
  private readonly encoder = new MicEncoder(sampleRate);
  private level = 0;
  private blocks = 0;

  process(inputs: Float32Array[][]): boolean {
    const block = inputs[0]?.[0];
    if (block && block.length > 0) {
      for (const frame of this.encoder.encode(block)) this.port.postMessage({ frame }, [frame]);
      this.level = Math.max(rms(block), this.level * 0.92);
      // About twelve meter updates a second at 48 kHz.
      if (++this.blocks % 32 === 0) this.port.postMessage({ level: this.level });
    }
    return true;
  }
}

registerProcessor("talk-capture", TalkCapture);
