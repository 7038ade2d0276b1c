import { describe, expect, it } from "vitest";
import { FRAME_SAMPLES, FramePacker, MicEncoder, Resampler, floatToPcm16, pcm16ToLeBytes, rms } from "./pcm";

const sine = (n: number, rate: number, hz: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));

describe("Resampler", () => {
  it("turns a second at 48 kHz into a second at 16 kHz, whatever the block size", () => {
    const input = sine(48000, 48000, 440);
    const whole = new Resampler(48000, 16000).process(input);
    expect(whole.length).toBeGreaterThanOrEqual(15999);
    expect(whole.length).toBeLessThanOrEqual(16001);
    const r = new Resampler(48000, 16000);
    const pieces: number[] = [];
    for (let i = 0; i < input.length; i += 128) pieces.push(...r.process(input.subarray(i, i + 128)));
    expect(pieces.length).toBe(whole.length);
    pieces.forEach((v, i) => expect(v).toBeCloseTo(whole[i] ?? NaN, 6));
  });

  it("handles 44.1 kHz and keeps a low tone's shape and loudness", () => {
    const out = new Resampler(44100, 16000).process(sine(44100, 44100, 200));
    expect(Math.abs(out.length - 16000)).toBeLessThanOrEqual(1);
    expect(rms(out.subarray(100))).toBeCloseTo(0.5 / Math.SQRT2, 1);
    // 200 Hz at 16 kHz: a quarter period is 20 samples; the peak sits near there.
    expect(out[20]).toBeGreaterThan(0.45);
  });

  it("passes equal rates through", () => {
    const x = Float32Array.from([0.1, -0.2, 0.3]);
    expect(Array.from(new Resampler(16000, 16000).process(x))).toEqual(Array.from(x));
  });
});

describe("PCM16 packing", () => {
  it("clips and scales floats", () => {
    expect(Array.from(floatToPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5])))).toEqual([0, 32767, -32768, 32767, -32768, 16384]);
  });

  it("writes little-endian bytes", () => {
    const bytes = new Uint8Array(pcm16ToLeBytes(Int16Array.from([1, -2, 0x1234])));
    expect(Array.from(bytes)).toEqual([1, 0, 0xfe, 0xff, 0x34, 0x12]);
  });

  it("cuts any block sizes into whole 20 ms frames and keeps the rest", () => {
    const p = new FramePacker();
    expect(p.push(new Int16Array(300))).toHaveLength(0);
    const frames = p.push(Int16Array.from({ length: 400 }, (_, i) => i));
    expect(frames).toHaveLength(2);
    expect(frames[0]?.byteLength).toBe(FRAME_SAMPLES * 2);
    const view = new DataView(frames[0] as ArrayBuffer);
    expect(view.getInt16(299 * 2, true)).toBe(0);
    expect(view.getInt16(300 * 2, true)).toBe(0);
    expect(view.getInt16(301 * 2, true)).toBe(1);
    expect(new DataView(frames[1] as ArrayBuffer).getInt16(0, true)).toBe(20);
    // 60 samples remained; 260 more make one frame.
    expect(p.push(new Int16Array(260))).toHaveLength(1);
  });

  it("encodes 48 kHz worklet blocks into 640-byte frames, 50 a second", () => {
    const enc = new MicEncoder(48000);
    const input = sine(48000, 48000, 300);
    let frames = 0;
    for (let i = 0; i < input.length; i += 128) {
      for (const f of enc.encode(input.subarray(i, i + 128))) {
        expect(f.byteLength).toBe(640);
        frames += 1;
      }
    }
    // 16 000 samples (± one for the resampler's phase) are 50 frames, or 49 and a partial one.
    expect(frames).toBeGreaterThanOrEqual(49);
    expect(frames).toBeLessThanOrEqual(50);
  });
});
