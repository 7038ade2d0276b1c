// The Contacts page: every contact in a virtualised table (only the rows on screen are in the DOM, pages of
// `contact.list` are fetched as the user scrolls), with search by number or name and filters by status
// and campaign, plus the import wizard; a row opens the contact's drawer.

import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { Contact, ContactListArgs, ContactStatus } from "../../api/types";
import { CampaignSelect } from "../../components/CampaignSelect";
import { EmptyState } from "../../components/EmptyState";
import { IconContacts, IconUpload } from "../../components/Icons";
import { SearchBox } from "../../components/SearchBox";
import { useDebounced } from "../../lib/debounce";
import { ContactDrawer } from "./ContactDrawer";
import { ImportWizard } from "./ImportWizard";

export const PAGE_SIZE = 200;
export const ROW_HEIGHT = 44;

const STATUS_LABELS: Record<ContactStatus, string> = { active: "Active", opted_out: "Opted out", deleted: "Deleted" };
const TZ_SOURCE: Record<string, string> = {
  column: "from the file",
  number: "from the number",
  campaign_default: "campaign default",
  unknown: "unknown",
};

/** The command's arguments for a filter (empty values left out, so equal filters share a cache entry). */
export function listArgs(search: string, status: ContactStatus | "", campaignId: number | null): ContactListArgs {
  const args: ContactListArgs = {};
  if (search.trim()) args.search = search.trim();
  if (status) args.status = status;
  if (campaignId != null) args.campaign_id = campaignId;
  return args;
}

export function ContactsPage() {
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<ContactStatus | "">("");
  const [campaignId, setCampaignId] = useState<number | null>(null);
  const [wizard, setWizard] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);
  const debounced = useDebounced(search, 250);
  const filter = useMemo(() => listArgs(debounced, status, campaignId), [debounced, status, campaignId]);
  const filtered = Object.keys(filter).length > 0;

  const list = useInfiniteQuery({
    queryKey: keys.contacts(filter),
    queryFn: ({ pageParam }) => api.contacts.list({ ...filter, limit: PAGE_SIZE, ...(pageParam != null ? { before: pageParam } : {}) }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_before,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.contacts) ?? [], [list.data]);
  const total = list.data?.pages[0]?.total ?? null;

  const wizardEl = wizard && (
    <ImportWizard
      campaignId={campaignId ?? undefined}
      onClose={() => setWizard(false)}
      onDone={(id) => {
        setWizard(false);
        setSearch("");
        setStatus("");
        setCampaignId(id);
      }}
    />
  );
  const importButton = (
    <button className="btn btn-primary" data-testid="contacts-import" onClick={() => setWizard(true)}>
      <IconUpload /> Import contacts
    </button>
  );

  if (list.isError) {
    const err = ApiError.from(list.error);
    return (
      <div className="page">
        <div className="card card-error" role="alert">
          <div className="card-error-title">
            Could not load contacts <span className="code-pill">{err.code}</span>
          </div>
          <p className="muted">{err.message}</p>
          <button className="btn btn-secondary" onClick={() => void list.refetch()}>
            Try again
          </button>
        </div>
      </div>
    );
  }

  if (!filtered && total === 0) {
    return (
      <div className="page">
        <EmptyState
          icon={<IconContacts size={28} />}
          title="No contacts yet"
          action={importButton}
          features={[
            "CSV, TSV, XLSX, XLS, ODS and Google Sheets, with header detection and saved column mappings",
            "Numbers normalised to E.164, the recipient's time zone taken from the number",
            "Duplicates and do-not-call entries set aside; every bad row reported with its reason",
            "Extra columns become the agent's dynamic variables",
          ]}
        >
          The people your campaigns call. Import a spreadsheet into a campaign, preview it, and the contacts appear here
          with their status and time zone.
        </EmptyState>
        {wizardEl}
      </div>
    );
  }

  return (
    <div className="page">
      <div className="card contacts-card">
        <div className="card-toolbar">
          <SearchBox value={search} onChange={setSearch} placeholder="Search by number or name" label="Search contacts" testId="contacts-search" />
          <select
            className="input select toolbar-select"
            aria-label="Filter by status"
            value={status}
            onChange={(e) => setStatus(e.target.value as ContactStatus | "")}
            data-testid="contacts-status"
          >
            <option value="">Any status</option>
            {(Object.keys(STATUS_LABELS) as ContactStatus[]).map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
          <CampaignSelect value={campaignId} onChange={setCampaignId} testId="contacts-campaign" />
          <span className="muted tabular nowrap" data-testid="contacts-total">
            {total == null ? "…" : `${total.toLocaleString()} contact${total === 1 ? "" : "s"}`}
          </span>
          <div className="toolbar-spacer" />
          {importButton}
        </div>
        <ContactTable
          rows={rows}
          hasMore={!!list.hasNextPage}
          loading={list.isPending || list.isFetchingNextPage}
          inCampaign={campaignId != null}
          onNeedMore={() => {
            if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
          }}
          onOpen={setOpenId}
        />
      </div>
      {wizardEl}
      {openId != null && <ContactDrawer contactId={openId} onClose={() => setOpenId(null)} />}
    </div>
  );
}

/** Windowed rows: the DOM holds what is visible plus a few, whatever the number of contacts. */
export function ContactTable({
  rows,
  hasMore,
  loading,
  inCampaign,
  onNeedMore,
  onOpen,
}: {
  rows: Contact[];
  hasMore: boolean;
  loading: boolean;
  inCampaign: boolean;
  onNeedMore(): void;
  /** Opens a contact (a click on its row, or Enter). */
  onOpen?(id: number): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
  });
  const items = virtual.getVirtualItems();
  const last = items.at(-1)?.index ?? -1;
  useEffect(() => {
    // Fetch the next page while the loader row (or the last few rows) come into view.
    if (hasMore && last >= rows.length - 20) onNeedMore();
  }, [last, rows.length, hasMore, onNeedMore]);

  return (
    <div className="vtable" role="table" aria-label="Contacts" aria-rowcount={count} data-testid="contacts-table">
      <div className="vtable-head vtable-row" role="row">
        <div role="columnheader">Phone</div>
        <div role="columnheader">Name</div>
        <div role="columnheader">Time zone</div>
        <div role="columnheader">Language</div>
        <div role="columnheader">{inCampaign ? "In campaign" : "Status"}</div>
        <div role="columnheader">Variables</div>
      </div>
      <div className="vtable-body" ref={scroller}>
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {items.map((v) => {
            const c = rows[v.index];
            return (
              <div
                key={c ? c.id : "more"}
                className={`vtable-row${c && onOpen ? " is-clickable" : ""}`}
                role="row"
                aria-rowindex={v.index + 1}
                tabIndex={c && onOpen ? 0 : undefined}
                onClick={c && onOpen ? () => onOpen(c.id) : undefined}
                onKeyDown={c && onOpen ? (e) => e.key === "Enter" && onOpen(c.id) : undefined}
                data-testid={c ? "contact-row" : "contacts-loading"}
                data-phone={c?.phone_e164}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: v.size, transform: `translateY(${v.start}px)` }}
              >
                {c ? (
                  <>
                    <div role="cell" className="tabular">
                      {c.phone_e164}
                    </div>
                    <div role="cell" className="cell-ellipsis" title={c.email || undefined}>
                      {c.name || <span className="faint">No name</span>}
                    </div>
                    <div role="cell" className="cell-ellipsis" title={TZ_SOURCE[c.time_zone_source] ?? c.time_zone_source}>
                      {c.time_zone ?? <span className="faint">—</span>}
                    </div>
                    <div role="cell">{c.language || <span className="faint">—</span>}</div>
                    <div role="cell">
                      <span className={`badge badge-${c.status === "active" ? "running" : "cancelled"}`}>
                        {inCampaign ? c.campaign_state : STATUS_LABELS[c.status]}
                      </span>
                    </div>
                    <div role="cell" className="cell-ellipsis muted" title={variablesText(c)}>
                      {variablesText(c)}
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
            <div className="table-none" data-testid="contacts-none">
              No contacts match these filters.
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

export function variablesText(c: Contact): string {
  return Object.entries(c.variables)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}
