import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { EmptyState } from "../../components/EmptyState";
import { IconLive } from "../../components/Icons";
import { SearchBox } from "../../components/SearchBox";
import { href } from "../../lib/router";
import { providerLabel } from "../../lib/labels";
import { useSecond } from "../../lib/ticker";
import { TalkLauncher } from "../talk/TalkLauncher";
import { CallDrawer } from "./CallDrawer";
import { CallRow } from "./CallRow";
import { counts, DEFAULT_FILTERS, moveSelection, visibleCalls, type BoardFilters, type Scope, type SortKey } from "./board";

/** The board's first load: calls in flight and those that ended in the last half hour. */
export const BOARD_QUERY = { recent_minutes: 30, limit: 1000 } as const;

/** A row's height until one is measured, and rows rendered beyond the visible ones on each side. */
const ROW_H = 60;
const OVERSCAN = 8;

/**
 * Which rows to render: only those in (or near) the scrolled view. A table of 500 rows relays out as a
 * whole whenever a row changes or moves, which costs far more than React's work; 40 rows do not.
 */
export function rowWindow(count: number, top: number, height: number, rowH: number): { first: number; last: number } {
  const viewport = height > 0 ? height : 30 * rowH;
  const first = Math.max(0, Math.floor(top / rowH) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + viewport) / rowH) + OVERSCAN);
  return { first, last: Math.max(first, last) };
}

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

export function LivePage() {
  const board = useQuery({
    queryKey: keys.board,
    queryFn: () => api.calls.list(BOARD_QUERY),
    // Events keep it current (api/live.ts); a resync refetches it.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const [filters, setFilters] = useState<BoardFilters>(DEFAULT_FILTERS);
  const [selected, setSelected] = useState<number | null>(null);
  const [openId, setOpenId] = useState<number | null>(null);
  const set = (patch: Partial<BoardFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const list = board.data ?? [];
  // "Longest" re-sorts every second; the other orders only when calls change.
  const tick = useSecond();
  const sortNow = filters.sort === "longest" ? tick : 0;
  const visible = useMemo(() => visibleCalls(list, filters, sortNow || Date.now()), [list, filters, sortNow]);
  const c = useMemo(() => counts(list), [list]);
  const campaigns = useMemo(() => {
    const m = new Map<number, string>();
    for (const x of list) if (x.campaign_id != null) m.set(x.campaign_id, x.campaign_name ?? `#${x.campaign_id}`);
    return [...m].sort((a, b) => a[1].localeCompare(b[1]));
  }, [list]);
  const providers = useMemo(() => [...new Set(list.map((x) => x.provider))].sort(), [list]);

  const wrap = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 0, rowH: ROW_H });
  const measure = useCallback(() => {
    const el = wrap.current;
    if (!el) return;
    const row = el.querySelector<HTMLElement>("tbody tr[data-call-id]");
    const rowH = row?.offsetHeight || ROW_H;
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight && v.rowH === rowH ? v : { top: el.scrollTop, height: el.clientHeight, rowH }));
  }, []);
  useLayoutEffect(() => {
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, [measure, board.isSuccess]);
  const { first, last } = rowWindow(visible.length, view.top, view.height, view.rowH);

  const ids = useRef<number[]>([]);
  ids.current = visible.map((x) => x.id);
  const open = useCallback((id: number) => {
    setSelected(id);
    setOpenId(id);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.metaKey || e.ctrlKey || e.altKey || document.querySelector(".drawer, .modal-backdrop")) return;
      if (e.key === "j" || e.key === "ArrowDown") {
        e.preventDefault();
        setSelected((s) => moveSelection(ids.current, s, 1));
      } else if (e.key === "k" || e.key === "ArrowUp") {
        e.preventDefault();
        setSelected((s) => moveSelection(ids.current, s, -1));
      } else if (e.key === "Enter") {
        setSelected((s) => {
          if (s != null) setOpenId(s);
          return s;
        });
      } else if (e.key === "/") {
        e.preventDefault();
        document.querySelector<HTMLInputElement>("[data-testid=board-search]")?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  // Keep the selected row in view (it may not be rendered yet: scroll by its index).
  useEffect(() => {
    const el = wrap.current;
    const i = selected == null ? -1 : ids.current.indexOf(selected);
    if (!el || i < 0) return;
    const head = el.querySelector("thead")?.getBoundingClientRect().height ?? 0;
    const top = i * view.rowH;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + view.rowH > el.scrollTop + el.clientHeight - head) el.scrollTop = top + view.rowH - el.clientHeight + head;
  }, [selected, view.rowH]);

  if (board.isPending) {
    return (
      <div className="page">
        <div className="card">
          <div className="skeleton-table" aria-busy="true" aria-label="Loading calls">
            {Array.from({ length: 6 }, (_, i) => (
              <div className="skeleton-row" key={i} />
            ))}
          </div>
        </div>
      </div>
    );
  }
  if (board.isError) {
    const err = ApiError.from(board.error);
    return (
      <div className="page">
        <div className="card card-error" role="alert">
          <div className="card-error-title">
            Could not load calls <span className="code-pill">{err.code}</span>
          </div>
          <p className="muted">{err.message}</p>
          <button className="btn btn-secondary" onClick={() => void board.refetch()}>
            Try again
          </button>
        </div>
      </div>
    );
  }

  const scopes: { id: Scope; label: string; n: number }[] = [
    { id: "all", label: "All", n: list.length },
    { id: "live", label: "In flight", n: c.live },
    { id: "ended", label: "Ended", n: c.ended },
  ];

  return (
    <div className="page page-wide" data-testid="live-page">
      <TalkLauncher />
      <div className="stats">
        <div className="stat">
          <div className="stat-label">
            {c.live > 0 && <span className="live-dot" aria-hidden="true" />}In flight
          </div>
          <div className="stat-value" data-testid="board-live-count">
            {c.live}
          </div>
          <div className="stat-note">calls holding a line now</div>
        </div>
        <div className="stat">
          <div className="stat-label">Talking</div>
          <div className="stat-value">{c.talking}</div>
          <div className="stat-note">answered and in progress</div>
        </div>
        <div className="stat">
          <div className="stat-label">Ringing</div>
          <div className="stat-value">{c.ringing}</div>
          <div className="stat-note">dialing or ringing</div>
        </div>
        <div className="stat">
          <div className="stat-label">Ended</div>
          <div className="stat-value">{c.ended}</div>
          <div className="stat-note">in the last 30 minutes</div>
        </div>
      </div>

      <div className="card">
        <div className="card-toolbar">
          <SearchBox value={filters.query} onChange={(v) => set({ query: v })} placeholder="Search contact or number" label="Search calls" testId="board-search" />
          <div className="segmented" role="tablist" aria-label="Which calls">
            {scopes.map((s) => (
              <button
                key={s.id}
                role="tab"
                aria-selected={filters.scope === s.id}
                className={filters.scope === s.id ? "on" : ""}
                onClick={() => set({ scope: s.id })}
                data-testid={`board-scope-${s.id}`}
              >
                {s.label} <span className="seg-count">{s.n}</span>
              </button>
            ))}
          </div>
          <select
            className="input select select-sm"
            aria-label="Campaign"
            value={filters.campaignId ?? ""}
            onChange={(e) => set({ campaignId: e.target.value ? Number(e.target.value) : null })}
            data-testid="board-campaign"
          >
            <option value="">All campaigns</option>
            {campaigns.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
          {providers.length > 1 && (
            <select
              className="input select select-sm"
              aria-label="Provider"
              value={filters.provider ?? ""}
              onChange={(e) => set({ provider: e.target.value || null })}
            >
              <option value="">All providers</option>
              {providers.map((p) => (
                <option key={p} value={p}>
                  {providerLabel(p)}
                </option>
              ))}
            </select>
          )}
          <div className="toolbar-spacer" />
          <label className="sort-label">
            <span className="muted">Sort</span>
            <select
              className="input select select-sm"
              value={filters.sort}
              onChange={(e) => set({ sort: e.target.value as SortKey })}
              data-testid="board-sort"
            >
              <option value="status">Live first</option>
              <option value="newest">Newest</option>
              <option value="longest">Longest</option>
            </select>
          </label>
        </div>

        {list.length === 0 ? (
          <EmptyState
            icon={<IconLive size={28} />}
            title="No calls in flight"
            action={
              <a className="btn btn-secondary" href={href("campaigns")}>
                Go to campaigns
              </a>
            }
          >
            Calls appear here the moment a running campaign dials them: ringing, talking, the last thing said, and how
            they ended.
          </EmptyState>
        ) : (
          <div className="table-wrap board-wrap" ref={wrap} onScroll={measure}>
            <table className="table table-fixed board" data-testid="call-board" data-count={visible.length}>
              <colgroup>
                <col style={{ width: 132 }} />
                <col style={{ width: 200 }} />
                <col style={{ width: 230 }} />
                <col style={{ width: 84 }} />
                <col />
                <col style={{ width: 96 }} />
              </colgroup>
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Contact</th>
                  <th>Campaign · Agent</th>
                  <th className="num">Duration</th>
                  <th>Last said</th>
                  <th>Sentiment</th>
                </tr>
              </thead>
              <tbody>
                {first > 0 && <tr className="board-spacer" style={{ height: first * view.rowH }} aria-hidden="true" />}
                {visible.slice(first, last).map((call) => (
                  <CallRow key={call.id} call={call} selected={call.id === selected} onOpen={open} />
                ))}
                {last < visible.length && (
                  <tr className="board-spacer" style={{ height: (visible.length - last) * view.rowH }} aria-hidden="true" />
                )}
                {visible.length === 0 && (
                  <tr>
                    <td colSpan={6} className="table-none">
                      No calls match these filters.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
        <div className="board-foot faint">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> search
        </div>
      </div>
      {openId != null && <CallDrawer callId={openId} onClose={() => setOpenId(null)} />}
    </div>
  );
}
