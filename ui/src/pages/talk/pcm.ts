// Microphone audio for "Talk to agent", as pure functions the capture worklet runs: a streaming resampler
// from the device rate (44.1/48 kHz, whatever the AudioContext got) down to 16 kHz, float → PCM16 with
// clipping, and a packer that cuts the stream into 20 ms frames of little-endian bytes for the WebSocket.
// Kept free of DOM and worklet globals so Vitest can check them.

/** What the core's talk socket takes and gives: PCM16LE mono at 16 kHz. */
export const TALK_RATE = 16000;
/** Samples in one 20 ms frame at TALK_RATE. */
export const FRAME_SAMPLES = 320;

/**
 * Streaming resampler: a moving-average low-pass (as many taps as the rate ratio, so 48 → 16 kHz averages
 * three samples) then linear interpolation. State carries across blocks, so 128-sample worklet blocks give
 * the same output as one long buffer.
 */
export class Resampler {
  readonly from: number;
  readonly to: number;
  private readonly step: number;
  /** Position of the next output sample, in input samples after `prev` (0 = prev, 1 = the next input). */
  private pos: number;
  private prev = 0;
  private readonly taps: number;
  private readonly history: Float32Array;
  private at = 0;
  private sum = 0;

  constructor(from: number, to: number) {
    this.from = Math.max(1, from);
    this.to = Math.max(1, to);
    this.step = this.from / this.to;
    this.pos = this.step;
    this.taps = this.from > this.to ? Math.min(8, Math.max(1, Math.round(this.from / this.to))) : 1;
    this.history = new Float32Array(this.taps);
  }

  private filter(x: number): number {
    if (this.taps === 1) return x;
    this.sum += x - (this.history[this.at] ?? 0);
    this.history[this.at] = x;
    this.at = (this.at + 1) % this.taps;
    return this.sum / this.taps;
  }

  /** Resamples one block; returns the new samples (possibly none). */
  process(input: Float32Array): Float32Array {
    if (this.from === this.to) return input.slice();
    const out: number[] = [];
    for (let i = 0; i < input.length; i++) {
      const x = this.filter(input[i] ?? 0);
      while (this.pos <= 1) {
        out.push(this.prev + (x - this.prev) * this.pos);
        this.pos += this.step;
      }
      this.pos -= 1;
      this.prev = x;
    }
    return Float32Array.from(out);
  }
}

/** Floats in [-1, 1] to PCM16, clipping what is outside. */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const s = Math.max(-1, Math.min(1, input[i] ?? 0));
    out[i] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
  }
  return out;
}

/** PCM16 samples as little-endian bytes (what the socket carries, whatever the machine's byte order). */
export function pcm16ToLeBytes(samples: Int16Array): ArrayBuffer {
  const buf = new ArrayBuffer(samples.length * 2);
  const view = new DataView(buf);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return buf;
}

/** Collects samples and hands out whole 20 ms frames as bytes; the remainder waits for the next block. */
export class FramePacker {
  private readonly pending: Int16Array;
  private filled = 0;

  constructor(private readonly frameSamples = FRAME_SAMPLES) {
    this.pending = new Int16Array(frameSamples);
  }

  push(samples: Int16Array): ArrayBuffer[] {
    const frames: ArrayBuffer[] = [];
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(this.frameSamples - this.filled, samples.length - i);
      this.pending.set(samples.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === this.frameSamples) {
        frames.push(pcm16ToLeBytes(this.pending));
        this.filled = 0;
      }
    }
    return frames;
  }
}

/** Root mean square of a block, 0..1: the level meter. */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/** The whole capture path for one block: device-rate floats in, 20 ms PCM16LE frames out. */
export class MicEncoder {
  private readonly resampler: Resampler;
  private readonly packer = new FramePacker();

  constructor(deviceRate: number) {
    this.resampler = new Resampler(deviceRate, TALK_RATE);
  }

  encode(block: Float32Array): ArrayBuffer[] {
    return this.packer.push(floatToPcm16(this.resampler.process(block)));
  }
}
