// Settings → Google Sheets: the service-account key imports read private sheets with. The key file is
// write-only (saved to the keychain like other secrets); the card shows the address to share sheets with.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { SOURCE_LABEL, setupApi, setupKeys } from "../../api/setup";

const SECRET = "google.service_account_json" as const;

export function GoogleSheetsCard() {
  const id = useId();
  const qc = useQueryClient();
  const account = useQuery({ queryKey: keys.sheetsAccount, queryFn: api.imports.sheetsAccount });
  const [error, setError] = useState<ApiError | null>(null);
  const [copied, setCopied] = useState(false);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: keys.sheetsAccount });
    void qc.invalidateQueries({ queryKey: setupKeys.secrets });
  };
  const save = useMutation({
    mutationFn: (json: string) => setupApi.setSecret(SECRET, json),
    onMutate: () => setError(null),
    onSuccess: refresh,
    onError: (e) => setError(ApiError.from(e)),
  });
  const remove = useMutation({ mutationFn: () => setupApi.clearSecret(SECRET), onSuccess: refresh, onError: (e) => setError(ApiError.from(e)) });
  const a = account.data;
  const fromEnv = a?.source === "env";

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    save.mutate(await file.text());
  };

  return (
    <section className="card settings-card" data-testid="google-sheets-card">
      <header className="settings-head">
        <h2>Google Sheets</h2>
        <p className="muted">
          Import contacts straight from a sheet. Private sheets are read with a service account: create a key for it in Google
          Cloud (IAM → Service accounts → Keys → JSON), enable the Sheets API, and share each sheet with its address.
        </p>
      </header>
      <dl className="kv kv-settings">
        <dt>Service account</dt>
        <dd data-testid="sheets-account">
          {account.isLoading ? (
            <span className="skeleton-text" aria-label="Loading" />
          ) : a?.client_email ? (
            <span className="sheets-account">
              <code>{a.client_email}</code>
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                onClick={() => void navigator.clipboard?.writeText(a.client_email ?? "").then(() => setCopied(true))}
                data-testid="sheets-copy"
              >
                {copied ? "Copied" : "Copy"}
              </button>
              <span className="faint">key {SOURCE_LABEL[a.source ?? ""] ?? ""}</span>
            </span>
          ) : (
            <span className="faint">None saved: only sheets anyone with the link can view, with an API key</span>
          )}
        </dd>
        {a?.client_email && (
          <>
            <dt>Sharing</dt>
            <dd className="muted">Share each sheet with the address above (Viewer is enough).</dd>
          </>
        )}
        {a?.api_key_from_env && (
          <>
            <dt>API key</dt>
            <dd className="muted">CALLBOARD_GOOGLE_API_KEY is set: public sheets need no key in the import.</dd>
          </>
        )}
      </dl>
      {a?.problem && (
        <div className="callout callout-warning" role="alert" data-testid="sheets-problem">
          The saved key cannot be used: {a.problem}
        </div>
      )}
      {error && (
        <div className="callout callout-warning" role="alert" data-testid="sheets-error">
          <span className="code-pill">{error.code}</span> {error.message}
        </div>
      )}
      <div className="provider-test">
        {fromEnv ? (
          <span className="field-hint">CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON sets the key; unset it to manage the key here.</span>
        ) : (
          <>
            <label className="btn btn-secondary" htmlFor={id}>
              {a?.client_email ? "Replace key file…" : "Choose key file…"}
            </label>
            <input
              id={id}
              type="file"
              accept=".json,application/json"
              className="sr-only"
              data-testid="sheets-key-file"
              disabled={save.isPending}
              onChange={(e) => {
                void onFile(e.target.files?.[0]);
                e.target.value = "";
              }}
            />
            {a?.client_email && (
              <button type="button" className="btn btn-ghost" disabled={remove.isPending} onClick={() => remove.mutate()} data-testid="sheets-remove">
                Remove key
              </button>
            )}
          </>
        )}
      </div>
    </section>
  );
}
