import type { ApiErrorBody, FieldError } from "./types";

/** What every failed call rejects with, on both transports: the core's `{code, message}`. */
export class ApiError extends Error implements ApiErrorBody {
  readonly code: ApiErrorBody["code"];
  /** Per-field messages of a `validation` error (empty otherwise). */
  readonly fields: FieldError[];

  constructor(code: ApiErrorBody["code"], message: string, fields: FieldError[] = []) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.fields = fields;
  }

  /** The message for one field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message;
  }

  /** Turns anything thrown by a transport into an ApiError. */
  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (isErrorBody(e)) return new ApiError(e.code, e.message, Array.isArray(e.fields) ? e.fields : []);
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
