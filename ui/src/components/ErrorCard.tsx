import { ApiError } from "../api/error";

/** What failed to load and why, with the stable error code (for support and for tests), and a retry. */
export function ErrorCard({ title, error, onRetry }: { title: string; error: unknown; onRetry?(): void }) {
  const err = ApiError.from(error);
  return (
    <div className="card card-error" role="alert">
      <div className="card-error-title">
        {title} <span className="code-pill">{err.code}</span>
      </div>
      <p className="muted">{err.message}</p>
      {onRetry && (
        <button className="btn btn-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
