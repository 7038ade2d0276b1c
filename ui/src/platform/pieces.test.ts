import { describe, expect, it, vi } from "vitest";
import { PIECE_BYTES, toBase64, uploadInPieces } from "./pieces";

describe("toBase64", () => {
  it("matches the standard alphabet", () => {
    expect(toBase64(new TextEncoder().encode("Phone\n+965 5512 3456\n"))).toBe(btoa("Phone\n+965 5512 3456\n"));
    expect(toBase64(new Uint8Array([0xff, 0xfe, 0x00]))).toBe("//4A");
  });
});

describe("uploadInPieces", () => {
  it("starts with the name, then appends by id, and reports progress", async () => {
    const size = PIECE_BYTES * 2 + 10;
    const file = Object.assign(new Blob([new Uint8Array(size).fill(65)]), { name: "big.csv" });
    const call = vi.fn(async (_cmd: string, args: Record<string, unknown>) => ({
      upload_id: "u1",
      name: "big.csv",
      bytes: (args.data_base64 as string).length,
    }));
    const progress: number[] = [];
    const up = await uploadInPieces(call as never, file, (n) => progress.push(n));
    expect(up.upload_id).toBe("u1");
    expect(call).toHaveBeenCalledTimes(3);
    const calls = call.mock.calls as unknown as [string, Record<string, unknown>][];
    expect(calls[0]?.[1]).toMatchObject({ name: "big.csv" });
    expect(calls[0]?.[1]).not.toHaveProperty("upload_id");
    expect(calls[1]?.[1]).toMatchObject({ upload_id: "u1" });
    expect(progress).toEqual([PIECE_BYTES, PIECE_BYTES * 2, size]);
  });

  it("sends an empty file as one empty piece (the core then reports it empty)", async () => {
    const call = vi.fn(async () => ({ upload_id: "u2", name: "e.csv", bytes: 0 }));
    await uploadInPieces(call as never, Object.assign(new Blob([]), { name: "e.csv" }));
    expect(call).toHaveBeenCalledTimes(1);
  });
});
