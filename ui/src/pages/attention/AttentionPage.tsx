import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { AttentionItem, AttentionList } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { IconAlert, IconCheck, IconInfo, IconShield } from "../../components/Icons";
import { href } from "../../lib/router";
import { absoluteTime, relativeTime, useNow } from "../../lib/time";
import { CallDrawer } from "../live/CallDrawer";

/** What to do about each kind of item. */
export const WHAT_TO_DO: Record<string, string> = {
  stuck_call: "End the call from its drawer, then check the provider's dashboard for it.",
  circuit_breaker: "Find out why calls fail (provider balance, numbers, agent), then resume the campaign.",
  webhook_signature: "Check the webhook secret in Settings matches the provider's console.",
  webhook_disabled: "Re-enable the webhook in the provider's console once the listener answers again.",
  listener_down: "Restart the console or free the listener's port; providers cannot reach it now.",
  tunnel_down: "Restart the tunnel; providers cannot deliver events or media until it is back.",
  escalation: "Call the contact back yourself; the agent could not help them.",
  negative_sentiment: "Listen to the call or read its transcript; a person may need to follow up.",
  missed_call: "Call them back: they reached the SIP line while Callboard was stopping, so nobody answered.",
  opt_out: "Nothing to do: no campaign calls the number again. Take it off the do-not-call list only if they change their mind.",
};

export function attentionQuery() {
  return { queryKey: keys.attention, queryFn: () => api.attention.list(true) };
}

export function AttentionPage() {
  const list = useQuery(attentionQuery());
  const [showAcked, setShowAcked] = useState(false);
  const [callId, setCallId] = useState<number | null>(null);
  const now = useNow();
  const qc = useQueryClient();
  const ack = useMutation({
    mutationFn: (id: number) => api.attention.ack(id),
    onSuccess: (item) =>
      qc.setQueryData<AttentionList>(keys.attention, (l) =>
        l && { open: Math.max(0, l.open - (l.items.find((i) => i.id === item.id)?.acked_at ? 0 : 1)), items: l.items.map((i) => (i.id === item.id ? item : i)) },
      ),
  });

  if (list.isPending) {
    return (
      <div className="page page-narrow">
        <div className="card">
          <div className="skeleton-table" aria-busy="true">
            {Array.from({ length: 4 }, (_, i) => (
              <div className="skeleton-row" key={i} />
            ))}
          </div>
        </div>
      </div>
    );
  }
  if (list.isError) {
    const err = ApiError.from(list.error);
    return (
      <div className="page page-narrow">
        <div className="card card-error" role="alert">
          <div className="card-error-title">
            Could not load the list <span className="code-pill">{err.code}</span>
          </div>
          <p className="muted">{err.message}</p>
        </div>
      </div>
    );
  }
  const items = list.data.items.filter((i) => showAcked || !i.acked_at);
  const acked = list.data.items.filter((i) => i.acked_at).length;
  return (
    <div className="page page-narrow" data-testid="attention-page">
      <div className="attention-toolbar">
        <span className="muted" data-testid="attention-open">
          {list.data.open === 0 ? "Nothing open" : `${list.data.open} open`}
        </span>
        <div className="toolbar-spacer" />
        {acked > 0 && (
          <label className="switch-label">
            <input type="checkbox" checked={showAcked} onChange={(e) => setShowAcked(e.target.checked)} /> Show acknowledged ({acked})
          </label>
        )}
      </div>
      {items.length === 0 ? (
        <EmptyState icon={<IconShield size={28} />} title="Nothing needs you right now">
          Stuck calls, tripped circuit breakers, failing webhook signatures, opt-out requests and calls that went badly
          show up here, with what to do about each.
        </EmptyState>
      ) : (
        <ul className="attention-list" data-testid="attention-list">
          {items.map((i) => (
            <Item key={i.id} item={i} now={now} onAck={() => ack.mutate(i.id)} busy={ack.isPending && ack.variables === i.id} onOpenCall={setCallId} />
          ))}
        </ul>
      )}
      {callId != null && <CallDrawer callId={callId} onClose={() => setCallId(null)} />}
    </div>
  );
}

function Item({
  item: i,
  now,
  onAck,
  busy,
  onOpenCall,
}: {
  item: AttentionItem;
  now: number;
  onAck(): void;
  busy: boolean;
  onOpenCall(id: number): void;
}) {
  const Icon = i.severity === "info" ? IconInfo : IconAlert;
  return (
    <li className={`attention-item sev-${i.severity}${i.acked_at ? " is-acked" : ""}`} data-testid="attention-item" data-kind={i.kind} data-id={i.id}>
      <span className="attention-icon">
        <Icon />
      </span>
      <div className="attention-body">
        <div className="attention-head">
          <strong>{i.title}</strong>
          {i.count > 1 && <span className="nav-count">×{i.count}</span>}
          <span className="faint" title={absoluteTime(i.last_seen_at)}>
            {relativeTime(i.last_seen_at, now)}
          </span>
        </div>
        <p className="attention-message">{i.message}</p>
        {WHAT_TO_DO[i.kind] && <p className="attention-todo">{WHAT_TO_DO[i.kind]}</p>}
        <div className="attention-links">
          {i.call_id != null && (
            <button className="link" onClick={() => onOpenCall(i.call_id as number)} data-testid="attention-open-call">
              Open call #{i.call_id}
            </button>
          )}
          {i.campaign_id != null && (
            <a className="link" href={href("campaigns")}>
              Go to the campaign
            </a>
          )}
          {i.kind === "opt_out" && (
            <a className="link" href={href("dnc")} data-testid="attention-dnc">
              Do-not-call list
            </a>
          )}
          {i.kind.startsWith("webhook") && (
            <a className="link" href={href("settings")}>
              Webhook settings
            </a>
          )}
        </div>
      </div>
      {i.acked_at ? (
        <span className="muted attention-acked" title={absoluteTime(i.acked_at)}>
          <IconCheck /> Acknowledged
        </span>
      ) : (
        <button className="btn btn-secondary btn-sm" onClick={onAck} disabled={busy} data-testid="attention-ack">
          Acknowledge
        </button>
      )}
    </li>
  );
}
