import type { ApiErrorBody } from "./types";

/** What every failed call rejects with, on both transports: the core's `{code, message}`. */
export class ApiError extends Error implements ApiErrorBody {
  readonly code: ApiErrorBody["code"];

  constructor(code: ApiErrorBody["code"], message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }

  /** Turns anything thrown by a transport into an ApiError. */
  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (isErrorBody(e)) return new ApiError(e.code, e.message);
    if (e instanceof Error) return new ApiError("internal", e.message);
    return new ApiError("internal", typeof e === "string" ? e : JSON.stringify(e));
  }
}

export function isErrorBody(v: unknown): v is ApiErrorBody {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as ApiErrorBody).code === "string" &&
    typeof (v as ApiErrorBody).message === "string"
  );
}
