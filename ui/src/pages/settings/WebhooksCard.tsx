// Settings › Webhooks: what the providers sent and what became of it. Recent deliveries (live: every
// `webhook_received` event refetches the list while this is on screen), counters per provider and status,
// and a body viewer for one delivery.

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, keys } from "../../api/client";
import type { WebhookEvent, WebhookList, WebhookProvider, WebhookStatus } from "../../api/types";
import { Drawer } from "../../components/Drawer";
import { ErrorCard } from "../../components/ErrorCard";
import { absoluteTime, relativeTime } from "../../lib/time";
import { formatBody, PROVIDER_NAMES, STATUS_TEXT, totals } from "./webhookModel";

const STATUSES: WebhookStatus[] = ["applied", "duplicate", "pending", "failed", "rejected"];

export function WebhooksCard() {
  const list = useQuery({ queryKey: keys.webhooks, queryFn: () => api.webhooks.list(200) });
  const [provider, setProvider] = useState<WebhookProvider | "all">("all");
  const [status, setStatus] = useState<WebhookStatus | "all">("all");
  const [open, setOpen] = useState<number | null>(null);
  const rows = useMemo(
    () =>
      (list.data?.events ?? []).filter(
        (e) => (provider === "all" || e.provider === provider) && (status === "all" || e.status === status),
      ),
    [list.data, provider, status],
  );
  return (
    <section className="card settings-card" data-testid="webhooks-card" id="webhooks">
      <header className="settings-head">
        <h2>Webhooks</h2>
        <p className="muted">
          What ElevenLabs, Twilio and Exotel sent to the public listener, newest first. Every delivery is checked and
          stored before it is answered, then journaled and applied to its call once; duplicates are answered and
          ignored.
        </p>
      </header>
      <div className="settings-body">
        {list.error && <ErrorCard title="Could not load the deliveries" error={list.error} />}
        {list.data && <Counters data={list.data} />}
        <div className="webhook-filters">
          <select
            className="input select select-sm"
            aria-label="Provider"
            value={provider}
            onChange={(e) => setProvider(e.target.value as WebhookProvider | "all")}
            data-testid="webhook-provider-filter"
          >
            <option value="all">All providers</option>
            {(Object.keys(PROVIDER_NAMES) as WebhookProvider[]).map((p) => (
              <option key={p} value={p}>
                {PROVIDER_NAMES[p]}
              </option>
            ))}
          </select>
          <div className="segmented" role="radiogroup" aria-label="Status">
            {(["all", ...STATUSES] as const).map((s) => (
              <button key={s} role="radio" aria-checked={status === s} className={status === s ? "on" : ""} onClick={() => setStatus(s)}>
                {s === "all" ? "All" : STATUS_TEXT[s]}
              </button>
            ))}
          </div>
        </div>
        <div className="table-wrap webhook-table-wrap">
          <table className="table table-fixed" data-testid="webhook-table">
            <colgroup>
              <col style={{ width: "16%" }} />
              <col style={{ width: "13%" }} />
              <col style={{ width: "24%" }} />
              <col style={{ width: "13%" }} />
              <col style={{ width: "9%" }} />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th>Received</th>
                <th>Provider</th>
                <th>Type</th>
                <th>Status</th>
                <th className="num">Call</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {list.isPending && (
                <tr>
                  <td colSpan={6} className="table-none">
                    <span className="skeleton-text" aria-label="Loading" />
                  </td>
                </tr>
              )}
              {list.data && rows.length === 0 && (
                <tr>
                  <td colSpan={6} className="table-none muted" data-testid="webhook-empty">
                    {list.data.events.length === 0
                      ? "No deliveries yet. Providers send them to the public listener once calls run."
                      : "No deliveries match these filters."}
                  </td>
                </tr>
              )}
              {rows.map((e) => (
                <Row key={e.id} event={e} onOpen={() => setOpen(e.id)} />
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {open != null && <DeliveryDrawer id={open} onClose={() => setOpen(null)} />}
    </section>
  );
}

function Counters({ data }: { data: WebhookList }) {
  const t = totals(data.counts);
  return (
    <div className="webhook-counters" data-testid="webhook-counters">
      {STATUSES.map((s) => (
        <div key={s} className={`stat stat-${s}`} data-testid={`webhook-count-${s}`}>
          <span className="stat-value tabular">{t[s].toLocaleString()}</span>
          <span className="stat-label">{STATUS_TEXT[s]}</span>
        </div>
      ))}
      <div className="stat" title="Deliveries refused for a bad signature since this console started">
        <span className="stat-value tabular">{data.rejected_since_start.toLocaleString()}</span>
        <span className="stat-label">Rejected since start</span>
      </div>
    </div>
  );
}

function WebhookStatusBadge({ status }: { status: WebhookStatus }) {
  return (
    <span className={`badge badge-hook-${status}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  );
}

function Row({ event: e, onOpen }: { event: WebhookEvent; onOpen(): void }) {
  return (
    <tr
      className="row-clickable"
      tabIndex={0}
      onClick={onOpen}
      onKeyDown={(k) => (k.key === "Enter" || k.key === " ") && (k.preventDefault(), onOpen())}
      data-testid="webhook-row"
      data-status={e.status}
    >
      <td title={absoluteTime(e.received_at)}>{relativeTime(e.received_at)}</td>
      <td>{PROVIDER_NAMES[e.provider] ?? e.provider}</td>
      <td className="mono" title={e.type}>
        <span className="cell-ellipsis">{e.type}</span>
      </td>
      <td>
        <WebhookStatusBadge status={e.status} />
      </td>
      <td className="num tabular">{e.call_id ?? <span className="faint">—</span>}</td>
      <td className="muted" title={e.error ?? undefined}>
        <span className="cell-ellipsis">{e.error ?? ""}</span>
      </td>
    </tr>
  );
}

function DeliveryDrawer({ id, onClose }: { id: number; onClose(): void }) {
  const q = useQuery({ queryKey: keys.webhook(id), queryFn: () => api.webhooks.get(id) });
  const d = q.data;
  const body = d ? formatBody(d.body, d.body_size) : null;
  return (
    <Drawer
      title={d ? <span className="mono">{d.type}</span> : `Delivery #${id}`}
      subtitle={d ? `${PROVIDER_NAMES[d.provider] ?? d.provider} · #${d.id} · ${absoluteTime(d.received_at)}` : undefined}
      onClose={onClose}
    >
      {q.error && <ErrorCard title="Could not load this delivery" error={q.error} />}
      {d && (
        <div className="webhook-detail" data-testid="webhook-detail">
          <dl className="kv">
            <dt>Status</dt>
            <dd>
              <WebhookStatusBadge status={d.status} />
            </dd>
            {d.error && (
              <>
                <dt>Error</dt>
                <dd className="text-danger">{d.error}</dd>
              </>
            )}
            <dt>Idempotency key</dt>
            <dd className="mono">{d.idempotency_key}</dd>
            <dt>Call</dt>
            <dd>{d.call_id ?? <span className="faint">not linked</span>}</dd>
            {d.occurred_at && (
              <>
                <dt>Provider time</dt>
                <dd>{absoluteTime(d.occurred_at)}</dd>
              </>
            )}
            <dt>Applied</dt>
            <dd>
              {d.applied_at ? absoluteTime(d.applied_at) : <span className="faint">no</span>}
              {d.attempts > 1 && <span className="faint"> · after {d.attempts} tries</span>}
            </dd>
          </dl>
          {d.headers && Object.keys(d.headers).length > 0 && (
            <>
              <h3 className="section-title">Headers</h3>
              <dl className="kv kv-compact">
                {Object.entries(d.headers).map(([k, v]) => (
                  <div key={k} className="kv-pair">
                    <dt className="mono">{k}</dt>
                    <dd className="mono">{String(v)}</dd>
                  </div>
                ))}
              </dl>
            </>
          )}
          <h3 className="section-title">
            Body
            {d.body_size != null && <span className="faint"> · {d.body_size.toLocaleString()} bytes</span>}
          </h3>
          {body ? (
            <>
              <pre className="code-block" data-testid="webhook-body">
                {body.text}
              </pre>
              {body.truncated && <p className="field-hint">Showing the first 64 KiB.</p>}
            </>
          ) : (
            <p className="muted">
              {d.status === "rejected"
                ? "Not kept: a delivery that fails its check is recorded without its body."
                : "Not kept: its content was applied (a large audio body becomes the call's recording)."}
            </p>
          )}
        </div>
      )}
    </Drawer>
  );
}
