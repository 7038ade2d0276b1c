// The import wizard: choose a file (or a Google Sheet) → check the column mapping → preview every row's
// outcome → import with a progress bar → summary with the errors download. Each step talks to the core
// through the command table; the progress comes from `import_progress` / `import_finished` events.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { CampaignEvent, ImportArgs, ImportPreview, ImportProgress, ImportSummary, Mapping } from "../../api/types";
import { IconAlert, IconCheck, IconFile, IconUpload } from "../../components/Icons";
import { Modal } from "../../components/Modal";
import { href } from "../../lib/router";
import { platform } from "../../platform";
import { useUi } from "../../state/ui";
import {
  CODE_LABELS,
  looksLikeSheet,
  mappingProblem,
  parseTargetKey,
  isReadingFile,
  previewNote,
  progressPercent,
  REGIONS,
  setTarget,
  summarySentence,
  targetKey,
  targetOptions,
} from "./importModel";

type Step = "source" | "mapping" | "preview" | "running" | "done";
const STEPS: { id: Step; label: string }[] = [
  { id: "source", label: "File" },
  { id: "mapping", label: "Columns" },
  { id: "preview", label: "Preview" },
  { id: "running", label: "Import" },
  { id: "done", label: "Summary" },
];

/** Where the rows come from, once uploaded (a Google Sheet is fetched into an upload too). */
type Source = { upload_id: string; label: string };

export function ImportWizard({ campaignId, onClose, onDone }: { campaignId?: number; onClose(): void; onDone(campaignId: number): void }) {
  const campaigns = useQuery({ queryKey: keys.campaigns, queryFn: api.campaigns.list });
  const qc = useQueryClient();
  const toast = useUi((s) => s.toast);
  const [step, setStep] = useState<Step>("source");
  const [savedErrorsTo, setSavedErrorsTo] = useState<string | null>(null);
  const [campaign, setCampaign] = useState<number | null>(campaignId ?? null);
  const [region, setRegion] = useState("KW");
  const [file, setFile] = useState<File | null>(null);
  const [sheetUrl, setSheetUrl] = useState("");
  const [sheetRange, setSheetRange] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [source, setSource] = useState<Source | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Mapping | null>(null);
  const [templateName, setTemplateName] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [importId, setImportId] = useState<number | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  // Events may arrive before `import.commit` has answered with the id: keep them until it has.
  const early = useRef<CampaignEvent[]>([]);
  const idRef = useRef<number | null>(null);

  useEffect(() => {
    if (campaign == null && campaigns.data?.[0]) setCampaign(campaigns.data[0].id);
  }, [campaign, campaigns.data]);

  useEffect(() => {
    const onEvents = (events: CampaignEvent[]) => {
      for (const e of events) {
        if (e.type !== "import_progress" && e.type !== "import_finished") continue;
        if (idRef.current == null) early.current.push(e);
        else if (e.import_id === idRef.current) apply(e);
      }
    };
    return platform().subscribe(onEvents);
  }, []);

  function apply(e: CampaignEvent) {
    if (e.type === "import_progress") setProgress(e.progress);
    if (e.type === "import_finished") void finish(e.import_id, e.error ? ApiError.from(e.error) : null);
  }

  /** The full summary (the event's error list is cut to 100) and the contacts lists refreshed. */
  async function finish(id: number, failure: ApiError | null) {
    if (failure) {
      setError(failure);
      setStep("preview");
      return;
    }
    try {
      const st = await api.imports.status(id);
      if (st.state === "done") {
        setSummary(st.summary);
        setStep("done");
      } else if (st.state === "failed") {
        setError(new ApiError(st.code, st.message));
        setStep("preview");
      }
    } catch (e) {
      setError(ApiError.from(e));
    }
    void qc.invalidateQueries({ queryKey: keys.contactsAll });
    void qc.invalidateQueries({ queryKey: keys.campaigns });
  }

  // A safety net for a lost event (e.g. the stream reconnecting): ask every few seconds while running.
  useEffect(() => {
    if (step !== "running" || importId == null) return;
    const t = setInterval(() => {
      void api.imports.status(importId).then(
        (st) => {
          if (st.state === "running" && st.progress) setProgress(st.progress);
          else if (st.state !== "running") void finish(importId, null);
        },
        () => {},
      );
    }, 3000);
    return () => clearInterval(t);
  }, [step, importId]);

  function args(extra: Partial<ImportArgs> = {}): ImportArgs | null {
    if (!source || campaign == null) return null;
    return { upload_id: source.upload_id, campaign_id: campaign, region, ...extra };
  }

  async function run(label: string, f: () => Promise<void>) {
    setBusy(label);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(ApiError.from(e));
    } finally {
      setBusy(null);
    }
  }

  const chooseSource = () =>
    run("Reading the file…", async () => {
      const up = file
        ? await api.imports.upload(file)
        : await api.imports.fetchSheet(sheetUrl.trim(), sheetRange.trim() || undefined, apiKey.trim() || undefined);
      const src: Source = { upload_id: up.upload_id, label: file ? up.name : `Google Sheet “${up.name.replace(/\.csv$/, "")}”` };
      setSource(src);
      // The mapping step needs the header only: a full check of a big file waits for the preview step.
      const p = await api.imports.preview({ upload_id: src.upload_id, campaign_id: campaign ?? 0, region, header_only: true });
      setPreview(p);
      setMapping(p.summary.mapping);
      setStep("mapping");
    });

  const toPreview = () =>
    run("Checking every row…", async () => {
      const a = args({ mapping: mapping ?? undefined });
      if (!a) return;
      setPreview(await api.imports.preview(a));
      setStep("preview");
    });

  const saveTemplate = () =>
    run("Saving…", async () => {
      if (!mapping) return;
      const header = mapping.columns.map((c) => c.header);
      const t = await api.imports.saveTemplate(templateName.trim(), header, mapping);
      toast({ kind: "success", title: "Mapping saved", message: `Files with these columns will use “${t.name}”.` });
    });

  const commit = () =>
    run("Starting…", async () => {
      const a = args({ mapping: mapping ?? undefined });
      if (!a) return;
      setProgress(null);
      idRef.current = null;
      early.current = [];
      const { import_id } = await api.imports.commit(a);
      idRef.current = import_id;
      setImportId(import_id);
      setStep("running");
      for (const e of early.current.splice(0)) if ("import_id" in e && e.import_id === import_id) apply(e);
    });

  const downloadErrors = () =>
    run("Preparing the errors file…", async () => {
      if (importId == null) return;
      const out = await api.imports.errors(importId);
      const savedTo = await platform().saveFile(out.filename, new Blob([out.csv], { type: "text/csv;charset=utf-8" }));
      if (savedTo) setSavedErrorsTo(savedTo);
    });

  const running = step === "running";
  const sheetOk = looksLikeSheet(sheetUrl);
  const problem = mapping ? mappingProblem(mapping) : null;
  const s = preview?.summary;

  const footer = (
    <>
      {error && (
        <div className="form-alert import-error" role="alert" data-testid="import-error">
          <IconAlert /> <span className="code-pill">{error.code}</span> {error.message}
        </div>
      )}
      <div className="toolbar-spacer" />
      {busy && <span className="muted">{busy}</span>}
      {step === "source" && (
        <button
          className="btn btn-primary"
          data-testid="import-next"
          disabled={!!busy || campaign == null || (!file && !sheetOk)}
          onClick={() => void chooseSource()}
        >
          Next: columns
        </button>
      )}
      {step === "mapping" && (
        <>
          <button className="btn btn-secondary" onClick={() => setStep("source")} disabled={!!busy}>
            Back
          </button>
          <button className="btn btn-primary" data-testid="import-to-preview" disabled={!!busy || !!problem} onClick={() => void toPreview()}>
            Next: preview
          </button>
        </>
      )}
      {step === "preview" && s && (
        <>
          <button className="btn btn-secondary" onClick={() => setStep("mapping")} disabled={!!busy}>
            Back
          </button>
          <button className="btn btn-primary" data-testid="import-commit" disabled={!!busy || s.imported === 0} onClick={() => void commit()}>
            Import {s.imported.toLocaleString()} contact{s.imported === 1 ? "" : "s"}
          </button>
        </>
      )}
      {running && importId != null && (
        <button className="btn btn-secondary" data-testid="import-cancel" onClick={() => void api.imports.cancel(importId).catch(() => {})}>
          Cancel import
        </button>
      )}
      {step === "done" && (
        <button className="btn btn-primary" data-testid="import-done" onClick={() => campaign != null && onDone(campaign)}>
          View contacts
        </button>
      )}
    </>
  );

  return (
    <Modal title="Import contacts" onClose={onClose} width={820} locked={running || !!busy} testId="import-wizard" footer={footer}>
      <ol className="wizard-steps" aria-label="Steps">
        {STEPS.map((x, i) => (
          <li key={x.id} className={x.id === step ? "on" : STEPS.findIndex((y) => y.id === step) > i ? "past" : ""}>
            <span className="wizard-num">{i + 1}</span> {x.label}
          </li>
        ))}
      </ol>

      {step === "source" && (
        <div className="form-grid">
          <label className="field">
            <span className="field-label">Campaign</span>
            <select className="input select" data-testid="import-campaign" value={campaign ?? ""} onChange={(e) => setCampaign(Number(e.target.value))}>
              {(campaigns.data ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            {campaigns.data?.length === 0 && <span className="field-error">Create a campaign first: contacts are imported into one.</span>}
          </label>
          <label className="field">
            <span className="field-label">Numbers without a country code are from</span>
            <select className="input select" data-testid="import-region" value={region} onChange={(e) => setRegion(e.target.value)}>
              {REGIONS.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-wide file-drop">
            <span className="field-label">
              <IconUpload /> A file from this computer
            </span>
            <input
              type="file"
              data-testid="import-file"
              accept=".csv,.tsv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                if (e.target.files?.[0]) setSheetUrl("");
              }}
            />
            <span className="field-hint">CSV, TSV, Excel (XLSX, XLS, XLSB) or OpenDocument (ODS). The header row is found for you.</span>
          </label>
          <div className="field field-wide">
            <span className="field-label">
              <IconFile /> …or a Google Sheet
            </span>
            <div className="input-group sheet-inputs">
              <input
                className="input"
                placeholder="https://docs.google.com/spreadsheets/d/…"
                data-testid="import-sheet-url"
                value={sheetUrl}
                disabled={!!file}
                onChange={(e) => setSheetUrl(e.target.value)}
                aria-invalid={sheetUrl !== "" && !sheetOk}
              />
              <input className="input" placeholder="Range, e.g. Leads!A1:H" value={sheetRange} disabled={!!file} onChange={(e) => setSheetRange(e.target.value)} />
            </div>
            <input
              className="input"
              type="password"
              autoComplete="off"
              placeholder="API key (only for a sheet anyone with the link can view)"
              value={apiKey}
              disabled={!!file}
              onChange={(e) => setApiKey(e.target.value)}
              data-testid="import-sheet-key"
            />
            <SheetAccessHint />
          </div>
        </div>
      )}

      {step === "mapping" && mapping && (
        <div>
          <p className="muted">
            {source?.label} · {preview?.summary.source} · header on row {preview?.summary.header_row}. Change any column; columns
            that are not contact fields become variables the agent can use.
          </p>
          <div className="table-wrap mapping-table">
            <table className="table" data-testid="mapping-table">
              <thead>
                <tr>
                  <th>Column in the file</th>
                  <th>Imported as</th>
                </tr>
              </thead>
              <tbody>
                {mapping.columns.map((c, i) => (
                  <tr key={`${i}-${c.header}`} data-testid="mapping-row">
                    <td className="cell-title-sm">{c.header || <span className="faint">(no header)</span>}</td>
                    <td>
                      <select
                        className="input select"
                        aria-label={`Map ${c.header}`}
                        data-testid={`mapping-select-${i}`}
                        value={targetKey(c.target)}
                        onChange={(e) => setMapping(setTarget(mapping, i, parseTargetKey(e.target.value, c.header)))}
                      >
                        {withCurrent(targetOptions(c.header), c.target.kind === "variable" ? targetKey(c.target) : null).map((o) => (
                          <option key={o.key} value={o.key}>
                            {o.label}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {problem && <div className="field-error">{problem}</div>}
          <div className="template-save">
            <input
              className="input"
              placeholder="Save this mapping as… (e.g. Dealer leads)"
              value={templateName}
              onChange={(e) => setTemplateName(e.target.value)}
              data-testid="template-name"
            />
            <button className="btn btn-secondary" disabled={!templateName.trim() || !!busy || !!problem} onClick={() => void saveTemplate()} data-testid="template-save">
              Save mapping
            </button>
          </div>
        </div>
      )}

      {step === "preview" && s && preview && (
        <div>
          <div className="import-counts" data-testid="preview-counts">
            <Count label="Rows" value={s.total} />
            <Count label="Will import" value={s.imported} tone="ok" />
            <Count label="Invalid" value={s.invalid} tone={s.invalid ? "bad" : undefined} />
            <Count label="Duplicates" value={s.duplicates} />
            <Count label="Do not call" value={s.suppressed} />
          </div>
          <p className="muted">{previewNote(preview.rows.length, s)}</p>
          <div className="table-wrap preview-table">
            <table className="table table-fixed" data-testid="preview-table">
              <colgroup>
                <col style={{ width: 64 }} />
                <col style={{ width: 170 }} />
                <col />
                <col style={{ width: 150 }} />
                <col style={{ width: 260 }} />
              </colgroup>
              <thead>
                <tr>
                  <th>Row</th>
                  <th>Phone (E.164)</th>
                  <th>Name</th>
                  <th>Time zone</th>
                  <th>Outcome</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.row} className={r.code ? "row-bad" : ""} data-testid="preview-row" data-bad={r.code ? "true" : "false"} data-row={r.row}>
                    <td className="tabular muted">{r.row}</td>
                    <td className="tabular">{r.phone_e164 || <span className="faint">—</span>}</td>
                    <td>
                      <span className="cell-ellipsis">{r.name}</span>
                    </td>
                    <td>
                      <span className="cell-ellipsis">{r.time_zone}</span>
                    </td>
                    <td>
                      {r.code ? (
                        <span title={r.message}>
                          <span className="code-pill" data-testid="preview-code">
                            {r.code}
                          </span>{" "}
                          <span className="row-message">{r.message || CODE_LABELS[r.code]}</span>
                        </span>
                      ) : (
                        <span className="ok-text">
                          <IconCheck size={12} /> imports
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}

      {(step === "running" || (step === "done" && summary)) && (
        <div className="progress-block" data-testid="import-progress">
          <div className="progress-head">
            <span className="progress-title">
              {step === "running" ? (isReadingFile(progress) ? "Reading the file…" : "Importing…") : summary?.cancelled ? "Cancelled" : "Done"}
            </span>
            <span className="progress-pct tabular">{step === "done" ? 100 : progressPercent(progress)}%</span>
          </div>
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={step === "done" ? 100 : progressPercent(progress)}>
            <div className={`progress-bar${step === "running" ? " is-live" : ""}`} style={{ width: `${step === "done" ? 100 : progressPercent(progress)}%` }} />
          </div>
          {step === "running" && progress && (
            <div className="progress-stats">
              {isReadingFile(progress) ? (
                <Count label="Rows read so far" value={progress.rows_scanned} />
              ) : (
                <>
                  <Count label="Rows in the file" value={progress.total_rows} />
                  <Count label="Checked" value={progress.rows_read} />
                  <Count label="Saved" value={progress.committed} tone="ok" />
                </>
              )}
            </div>
          )}
        </div>
      )}

      {step === "done" && summary && (
        <div data-testid="import-summary">
          <p className="summary-sentence" data-testid="import-summary-text">
            {summarySentence(summary)}
          </p>
          <div className="import-counts">
            <Count label="Imported" value={summary.imported} tone="ok" />
            <Count label="Invalid" value={summary.invalid} tone={summary.invalid ? "bad" : undefined} />
            <Count label="Duplicates" value={summary.duplicates} />
            <Count label="Do not call" value={summary.suppressed} />
          </div>
          {summary.errors.length > 0 && (
            <>
              <ul className="error-list" data-testid="import-errors">
                {summary.errors.slice(0, 8).map((e) => (
                  <li key={e.row}>
                    Row {e.row}: <span className="code-pill">{e.code}</span> {e.message}
                  </li>
                ))}
                {summary.errors.length > 8 && <li className="muted">…and {(summary.errors.length - 8).toLocaleString()} more in the file.</li>}
              </ul>
              <button className="btn btn-secondary" data-testid="import-download-errors" onClick={() => void downloadErrors()} disabled={!!busy}>
                Download errors (CSV)
              </button>
              {savedErrorsTo && (
                <p className="field-hint" data-testid="import-errors-saved">
                  Saved to {savedErrorsTo}
                </p>
              )}
              <p className="field-hint">
                Fix the rows in the file and import it again: only those rows are added, nobody is imported twice.
              </p>
            </>
          )}
        </div>
      )}
    </Modal>
  );
}

/** Keeps a custom variable name a saved template chose in the list, so the select can show it. */
function withCurrent(options: { key: string; label: string }[], current: string | null) {
  if (!current || options.some((o) => o.key === current)) return options;
  return [...options.slice(0, -1), { key: current, label: `Variable “${current.slice("variable:".length)}”` }, options.at(-1)!];
}

function Count({ label, value, tone }: { label: string; value: number; tone?: "ok" | "bad" }) {
  return (
    <div className={`import-count${tone ? ` import-count-${tone}` : ""}`}>
      <div className="progress-num tabular">{value.toLocaleString()}</div>
      <div className="progress-label">{label}</div>
    </div>
  );
}

/** Who reads the sheet: the saved service account (share the sheet with it) or an API key for public sheets. */
function SheetAccessHint() {
  const account = useQuery({ queryKey: keys.sheetsAccount, queryFn: api.imports.sheetsAccount });
  const email = account.data?.client_email;
  return (
    <span className="field-hint" data-testid="import-sheet-hint">
      {email ? (
        <>
          Private sheets are read as <code>{email}</code>: share the sheet with that address. A public sheet can use an API key
          instead (used for this read only, not stored).
        </>
      ) : (
        <>
          Make the sheet readable by anyone with the link and give an API key (used for this read only, not stored), or save a
          service-account key in <a href={href("settings")}>Settings › Google Sheets</a> to read private sheets.
        </>
      )}
    </span>
  );
}
