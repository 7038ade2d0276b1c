// The Calls page: every finished call, newest first, in a virtualised table (pages of `call.history` are
// fetched as the user scrolls). Search finds words in what was said and in summaries; filters by campaign,
// outcome and period; the same selection exports to CSV. A row opens the call drawer (transcript,
// timeline, recording).

import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { platform } from "../../platform";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { BoardCall, CallExport, CallHistoryArgs, ExportFormat } from "../../api/types";
import { CampaignSelect } from "../../components/CampaignSelect";
import { EmptyState } from "../../components/EmptyState";
import { ErrorCard } from "../../components/ErrorCard";
import { useDebounced } from "../../lib/debounce";
import { IconCalls } from "../../components/Icons";
import { SearchBox } from "../../components/SearchBox";
import { callSeconds, clock } from "../../lib/callLabels";
import { providerLabel } from "../../lib/labels";
import { href, routeQuery } from "../../lib/router";
import { relativeTime } from "../../lib/time";
import { CallDrawer } from "../live/CallDrawer";
import { CallStatusBadge, Sentiment } from "../live/CallRow";

export const PAGE_SIZE = 100;
export const ROW_HEIGHT = 52;

export const OUTCOMES: { value: string; label: string }[] = [
  { value: "completed", label: "Completed" },
  { value: "transferred", label: "Transferred" },
  { value: "voicemail", label: "Voicemail" },
  { value: "no_answer", label: "No answer" },
  { value: "busy", label: "Busy" },
  { value: "failed", label: "Failed" },
  { value: "cancelled", label: "Cancelled" },
];

export type Period = "" | "today" | "7d" | "30d";
const PERIODS: { value: Period; label: string }[] = [
  { value: "", label: "Any time" },
  { value: "today", label: "Today" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
];

/** The start of a period, in the viewer's own day (today = local midnight). */
export function periodStart(p: Period, now: Date = new Date()): string | undefined {
  if (!p) return undefined;
  const d = new Date(now);
  if (p === "today") {
    d.setHours(0, 0, 0, 0);
  } else {
    d.setDate(d.getDate() - (p === "7d" ? 7 : 30));
  }
  return d.toISOString();
}

/** The command's arguments for a filter (empty values left out, so equal filters share a cache entry). */
export function historyArgs(search: string, campaignId: number | null, outcome: string, period: Period, now?: Date): CallHistoryArgs {
  const args: CallHistoryArgs = {};
  if (search.trim()) args.search = search.trim();
  if (campaignId != null) args.campaign_id = campaignId;
  if (outcome) args.outcome = [outcome];
  const since = periodStart(period, now);
  if (since) args.since = since;
  return args;
}

/** The export as a file: CSV with a BOM (so Excel reads UTF-8), XLSX decoded from base64. */
function exportBlob(out: CallExport): Blob {
  return out.encoding === "base64"
    ? new Blob([Uint8Array.from(atob(out.content), (c) => c.charCodeAt(0))], { type: out.media_type })
    : new Blob(out.media_type === "text/csv" ? ["\ufeff", out.content] : [out.content], { type: `${out.media_type};charset=utf-8` });
}

export function CallsPage() {
  // A link may bring a search with it (Analytics' phrases: `#/calls?search=…`).
  const [search, setSearch] = useState(() => routeQuery().get("search") ?? "");
  const [campaignId, setCampaignId] = useState<number | null>(null);
  const [outcome, setOutcome] = useState("");
  const [period, setPeriod] = useState<Period>("");
  const [open, setOpen] = useState<number | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportFormat, setExportFormat] = useState<ExportFormat>("csv");
  const [exportNote, setExportNote] = useState<string | null>(null);
  const [exportError, setExportError] = useState<ApiError | null>(null);
  const debounced = useDebounced(search, 250);
  // The period's start is fixed when the filter changes, so the cache key stays stable while scrolling.
  const filter = useMemo(() => historyArgs(debounced, campaignId, outcome, period), [debounced, campaignId, outcome, period]);
  const filtered = Object.keys(filter).length > 0;

  const list = useInfiniteQuery({
    queryKey: keys.callHistory(filter),
    queryFn: ({ pageParam }) => api.calls.history({ ...filter, limit: PAGE_SIZE, ...(pageParam != null ? { before: pageParam } : {}) }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_before,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.calls) ?? [], [list.data]);
  const total = list.data?.pages[0]?.total ?? null;

  const runExport = async () => {
    setExporting(true);
    setExportError(null);
    setExportNote(null);
    try {
      const out = await api.calls.export({ ...filter, format: exportFormat });
      const savedTo = await platform().saveFile(out.filename, exportBlob(out));
      const what = out.truncated ? `Exported the newest ${out.rows.toLocaleString()} calls (the export limit)` : `Exported ${out.rows.toLocaleString()} calls`;
      setExportNote(savedTo ? `${what} to ${savedTo}.` : `${what}.`);
    } catch (e) {
      setExportError(ApiError.from(e));
    } finally {
      setExporting(false);
    }
  };

  if (list.isError) {
    return (
      <div className="page">
        <ErrorCard title="Could not load calls" error={ApiError.from(list.error)} onRetry={() => void list.refetch()} />
      </div>
    );
  }

  if (!filtered && total === 0) {
    return (
      <div className="page">
        <EmptyState
          icon={<IconCalls size={28} />}
          title="No finished calls yet"
          action={
            <a className="btn btn-secondary" href={href("campaigns")}>
              Go to campaigns
            </a>
          }
          features={[
            "Outcome, disposition, duration, sentiment and cost of every call",
            "Transcript, summary and the provider's timeline in the call drawer",
            "Recordings with a player",
            "Search across what was said; export to CSV",
          ]}
        >
          Every call your campaigns make lands here once it ends, with what was said and what came out of it.
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page">
      <div className="card contacts-card">
        <div className="card-toolbar">
          <SearchBox value={search} onChange={setSearch} placeholder="Search transcripts and summaries" label="Search calls" testId="calls-search" />
          <CampaignSelect value={campaignId} onChange={setCampaignId} testId="calls-campaign" />
          <select className="input select toolbar-select" aria-label="Filter by outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)} data-testid="calls-outcome">
            <option value="">Any outcome</option>
            {OUTCOMES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <select className="input select toolbar-select" aria-label="Period" value={period} onChange={(e) => setPeriod(e.target.value as Period)} data-testid="calls-period">
            {PERIODS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
          <span className="muted tabular nowrap" data-testid="calls-total">
            {total == null ? "…" : `${total.toLocaleString()} call${total === 1 ? "" : "s"}`}
          </span>
          <div className="toolbar-spacer" />
          <select
            className="input select toolbar-select"
            aria-label="Export format"
            value={exportFormat}
            onChange={(e) => setExportFormat(e.target.value as ExportFormat)}
            data-testid="calls-export-format"
          >
            <option value="csv">CSV</option>
            <option value="xlsx">Excel (.xlsx)</option>
          </select>
          <button className="btn btn-secondary" onClick={() => void runExport()} disabled={exporting || total === 0} data-testid="calls-export">
            {exporting ? "Exporting…" : "Export"}
          </button>
        </div>
        {(exportNote || exportError) && (
          <div className={`callout ${exportError ? "callout-warning" : "callout-info"} calls-export-note`} role="status" data-testid="calls-export-note">
            {exportError ? (
              <>
                <span className="code-pill">{exportError.code}</span> {exportError.message}
              </>
            ) : (
              exportNote
            )}
          </div>
        )}
        <CallTable
          rows={rows}
          hasMore={!!list.hasNextPage}
          loading={list.isPending || list.isFetchingNextPage}
          selected={open}
          onOpen={setOpen}
          onNeedMore={() => {
            if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
          }}
        />
      </div>
      {open != null && <CallDrawer callId={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** What a row says about the conversation: the summary's stand-in is the last line spoken. */
function lastWords(c: BoardCall): string {
  if (c.last_line) return `${c.last_line.role === "agent" ? "Agent" : "Contact"}: ${c.last_line.text}`;
  return c.error ?? "";
}

/** Windowed rows: the DOM holds what is visible plus a few, however many calls there are. */
export function CallTable({
  rows,
  hasMore,
  loading,
  selected,
  onOpen,
  onNeedMore,
}: {
  rows: BoardCall[];
  hasMore: boolean;
  loading: boolean;
  selected: number | null;
  onOpen(id: number): void;
  onNeedMore(): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 1000, height: 600 },
  });
  const items = virtual.getVirtualItems();
  const last = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasMore && last >= rows.length - 20) onNeedMore();
  }, [last, rows.length, hasMore, onNeedMore]);

  return (
    <div className="vtable calls-table" role="table" aria-label="Calls" aria-rowcount={count} data-testid="calls-table">
      <div className="vtable-head vtable-row" role="row">
        <div role="columnheader">Ended</div>
        <div role="columnheader">Contact</div>
        <div role="columnheader">Outcome</div>
        <div role="columnheader">Duration</div>
        <div role="columnheader">Sentiment</div>
        <div role="columnheader">Campaign · agent</div>
        <div role="columnheader">Last words</div>
      </div>
      <div className="vtable-body" ref={scroller}>
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {items.map((v) => {
            const c = rows[v.index];
            return (
              <div
                key={c ? c.id : "more"}
                className={`vtable-row${c ? " row-clickable" : ""}${c && c.id === selected ? " row-selected" : ""}`}
                role="row"
                aria-rowindex={v.index + 1}
                tabIndex={c ? 0 : undefined}
                onClick={c ? () => onOpen(c.id) : undefined}
                onKeyDown={c ? (e) => e.key === "Enter" && onOpen(c.id) : undefined}
                data-testid={c ? "history-row" : "calls-loading"}
                data-call-id={c?.id}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: v.size, transform: `translateY(${v.start}px)` }}
              >
                {c ? (
                  <>
                    <div role="cell" className="muted nowrap" title={c.ended_at ?? c.updated_at}>
                      {relativeTime(c.ended_at ?? c.updated_at)}
                    </div>
                    <div role="cell" className="cell-stack">
                      <span className="cell-title cell-ellipsis">{c.contact_name || c.contact_phone || `Call #${c.id}`}</span>
                      {c.contact_name && <span className="faint tabular">{c.contact_phone}</span>}
                    </div>
                    <div role="cell">
                      <CallStatusBadge status={c.status} />
                    </div>
                    <div role="cell" className="tabular">
                      {c.answered_at ? clock(callSeconds(c, Date.now())) : <span className="faint">–</span>}
                    </div>
                    <div role="cell">
                      <Sentiment value={c.sentiment} />
                    </div>
                    <div role="cell" className="cell-stack">
                      <span className="cell-ellipsis">{c.campaign_name ?? <span className="faint">No campaign</span>}</span>
                      <span className="faint cell-ellipsis">
                        {c.agent_name ? `${c.agent_name} · ` : ""}
                        {providerLabel(c.provider)}
                      </span>
                    </div>
                    <div role="cell" className="cell-ellipsis muted" title={lastWords(c)}>
                      {lastWords(c)}
                    </div>
                  </>
                ) : (
                  <div role="cell" className="muted">
                    {loading ? "Loading more…" : ""}
                  </div>
                )}
              </div>
            );
          })}
          {!loading && rows.length === 0 && (
            <div className="table-none" data-testid="calls-none">
              No calls match these filters.
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
