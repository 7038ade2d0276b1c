// The do-not-call list: every number no campaign may call (or one campaign may not), who put it there and
// why. Opt-outs captured on calls arrive here on their own; a supervisor adds numbers as people type them
// (normalised with the default region) and can take one off, after a confirmation. Every change is audited.

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { DncEntry, DncListArgs } from "../../api/types";
import { CampaignSelect } from "../../components/CampaignSelect";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorCard } from "../../components/ErrorCard";
import { IconPhoneOff } from "../../components/Icons";
import { SearchBox } from "../../components/SearchBox";
import { useDebounced } from "../../lib/debounce";
import { absoluteTime, relativeTime, useNow } from "../../lib/time";

export const PAGE_SIZE = 100;

export const SOURCE_LABELS: Record<string, string> = {
  manual: "Added by hand",
  import: "From an import",
  opt_out: "Asked on a call",
  provider: "From the provider",
  erasure: "Asked to be forgotten",
};

/** The command's arguments for a search (an empty one left out, so equal searches share a cache entry). */
export function dncArgs(search: string): DncListArgs {
  return search.trim() ? { search: search.trim() } : {};
}

export function DncPage() {
  const [search, setSearch] = useState("");
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<DncEntry | null>(null);
  const debounced = useDebounced(search, 250);
  const args = useMemo(() => dncArgs(debounced), [debounced]);
  const qc = useQueryClient();
  const now = useNow();
  const list = useInfiniteQuery({
    queryKey: keys.dnc(args),
    queryFn: ({ pageParam }) => api.dnc.list({ ...args, limit: PAGE_SIZE, ...(pageParam != null ? { before: pageParam } : {}) }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_before,
  });
  const rows = list.data?.pages.flatMap((p) => p.entries) ?? [];
  const total = list.data?.pages[0]?.total ?? null;
  const changed = () => {
    void qc.invalidateQueries({ queryKey: keys.dncAll });
    void qc.invalidateQueries({ queryKey: keys.contactsAll });
  };

  const addButton = (
    <button className="btn btn-primary" data-testid="dnc-add-open" onClick={() => setAdding(true)}>
      <IconPhoneOff /> Add a number
    </button>
  );
  const form = adding && <AddForm onClose={() => setAdding(false)} onAdded={changed} />;

  if (list.isError) {
    return (
      <div className="page">
        <ErrorCard title="Could not load the list" error={list.error} onRetry={() => void list.refetch()} />
      </div>
    );
  }
  if (!args.search && total === 0 && !adding) {
    return (
      <div className="page">
        <EmptyState
          icon={<IconPhoneOff size={28} />}
          title="Nobody is on the do-not-call list"
          action={addButton}
          features={[
            "A contact who says “don't call me again” is added the moment they say it",
            "An opt-out the agent collects after the call is added too",
            "For every campaign, or for one; imports set listed numbers aside",
            "Every addition and removal is in the audit log",
          ]}
        >
          Numbers here are never dialed. Add one as it was given to you; it is stored in international form.
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page" data-testid="dnc-page">
      {form}
      <div className="card">
        <div className="card-toolbar">
          <SearchBox value={search} onChange={setSearch} placeholder="Search by number, name or reason" label="Search the do-not-call list" testId="dnc-search" />
          <span className="muted tabular nowrap" data-testid="dnc-total">
            {total == null ? "…" : `${total.toLocaleString()} number${total === 1 ? "" : "s"}`}
          </span>
          <div className="toolbar-spacer" />
          {!adding && addButton}
        </div>
        <div className="table-wrap">
          <table className="table" data-testid="dnc-table">
            <thead>
              <tr>
                <th>Number</th>
                <th>Applies to</th>
                <th>Why</th>
                <th>Added</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-testid="dnc-row" data-phone={e.phone_e164}>
                  <td>
                    <div className="tabular">{e.phone_e164}</div>
                    {e.contact_name && <div className="dd-sub">{e.contact_name}</div>}
                  </td>
                  <td>{e.campaign_name ?? (e.campaign_id == null ? "Every campaign" : `Campaign #${e.campaign_id}`)}</td>
                  <td>
                    <div>{SOURCE_LABELS[e.source] ?? e.source}</div>
                    {e.reason && <div className="dd-sub cell-clamp">{e.reason}</div>}
                  </td>
                  <td className="nowrap" title={absoluteTime(e.created_at)}>
                    {relativeTime(e.created_at, now)}
                  </td>
                  <td className="cell-actions">
                    <button className="btn btn-ghost btn-xs" data-testid="dnc-remove" onClick={() => setRemoving(e)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!list.isPending && rows.length === 0 && args.search && (
            <div className="table-none" data-testid="dnc-none">
              No number matches “{args.search}”.
            </div>
          )}
          {list.hasNextPage && (
            <div className="table-more">
              <button className="btn btn-secondary" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {list.isFetchingNextPage ? "Loading…" : "Show more"}
              </button>
            </div>
          )}
        </div>
      </div>
      {removing && (
        <ConfirmDialog
          title="Take this number off the list?"
          danger
          confirmLabel="Remove from the list"
          body={
            <p>
              <span className="tabular">{removing.phone_e164}</span>
              {removing.contact_name ? ` (${removing.contact_name})` : ""} can be called again by{" "}
              {removing.campaign_id == null ? "every campaign" : (removing.campaign_name ?? "its campaign")}.
              {removing.source === "opt_out" && " They asked not to be called: remove it only if they changed their mind."}
            </p>
          }
          onConfirm={async () => {
            await api.dnc.remove(removing.phone_e164, removing.campaign_id);
            changed();
          }}
          onClose={() => setRemoving(null)}
        />
      )}
    </div>
  );
}

/** Adds a number as typed; the core's `validation` message is shown next to the field. */
function AddForm({ onClose, onAdded }: { onClose(): void; onAdded(): void }) {
  const [phone, setPhone] = useState("");
  const [campaignId, setCampaignId] = useState<number | null>(null);
  const [reason, setReason] = useState("");
  const [added, setAdded] = useState<DncEntry | null>(null);
  const add = useMutation({
    meta: { inlineErrors: true },
    mutationFn: () =>
      api.dnc.add({ phone, reason: reason.trim() || undefined, ...(campaignId != null ? { campaign_id: campaignId } : {}) }),
    onSuccess: (entry) => {
      setAdded(entry);
      setPhone("");
      setReason("");
      onAdded();
    },
  });
  const error = add.error ? ApiError.from(add.error) : null;
  return (
    <form
      className="card dnc-add"
      data-testid="dnc-add"
      onSubmit={(e) => {
        e.preventDefault();
        if (phone.trim()) add.mutate();
      }}
    >
      <div className="dnc-add-fields">
        <div className={`field${error ? " has-error" : ""}`}>
          <label className="field-label" htmlFor="dnc-phone">
            Number
          </label>
          <input
            id="dnc-phone"
            className="input tabular"
            value={phone}
            autoFocus
            placeholder="e.g. 5512 3456 or +965 5512 3456"
            onChange={(e) => {
              setPhone(e.target.value);
              add.reset();
            }}
            aria-invalid={error ? true : undefined}
            data-testid="dnc-phone"
          />
          {error && (
            <div className="field-error" data-testid="dnc-error">
              {error.message}
            </div>
          )}
        </div>
        <div className="field">
          <label className="field-label">Applies to</label>
          <CampaignSelect value={campaignId} onChange={setCampaignId} testId="dnc-campaign" label="Applies to" />
        </div>
        <div className="field dnc-add-reason">
          <label className="field-label" htmlFor="dnc-reason">
            Reason
          </label>
          <input
            id="dnc-reason"
            className="input"
            value={reason}
            placeholder="e.g. asked by e-mail"
            onChange={(e) => setReason(e.target.value)}
            data-testid="dnc-reason"
          />
        </div>
      </div>
      <div className="dnc-add-footer">
        <span className="muted" data-testid="dnc-added" aria-live="polite">
          {added && `${added.phone_e164} is on the list.`}
        </span>
        <div className="toolbar-spacer" />
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Done
        </button>
        <button type="submit" className="btn btn-primary" disabled={add.isPending || !phone.trim()} data-testid="dnc-submit">
          {add.isPending ? "Adding…" : "Add to the list"}
        </button>
      </div>
    </form>
  );
}
