// Uploading a file through the command table in base64 pieces: the desktop IPC has no streaming body, so the
// file goes as `import.upload_piece` calls of at most PIECE_BYTES each (under the core's 8 MB request limit
// once base64 and JSON are added).

import type { Uploaded } from "../api/types";

export const PIECE_BYTES = 3 * 1024 * 1024;

type Call = <T>(cmd: string, args?: object) => Promise<T>;

/** Standard base64 of some bytes, without building one huge string argument list. */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    bin += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(bin);
}

export async function uploadInPieces(call: Call, file: Blob & { name: string }, onProgress?: (sent: number) => void): Promise<Uploaded> {
  let uploaded: Uploaded | null = null;
  let offset = 0;
  do {
    const piece = new Uint8Array(await file.slice(offset, offset + PIECE_BYTES).arrayBuffer());
    uploaded = await call<Uploaded>("import.upload_piece", {
      ...(uploaded ? { upload_id: uploaded.upload_id } : { name: file.name }),
      data_base64: toBase64(piece),
    });
    offset += piece.length;
    onProgress?.(offset);
  } while (offset < file.size);
  return uploaded;
}
