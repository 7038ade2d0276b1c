// One contact, opened from the Contacts page: who they are, where each campaign stands with them, their calls
// (each opens the call drawer), whether they are on the do-not-call list, and the two actions a supervisor
// takes for a person: put the number on the list, or forget them (an erasure request).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, keys } from "../../api/client";
import type { ContactDetail } from "../../api/types";
import { Drawer } from "../../components/Drawer";
import { ErrorCard } from "../../components/ErrorCard";
import { absoluteTime, relativeTime, useNow } from "../../lib/time";
import { CallDrawer } from "../live/CallDrawer";
import { CallStatusBadge } from "../live/CallRow";
import { ForgetPerson } from "../live/ContactDetails";
import { SOURCE_LABELS } from "../dnc/DncPage";
import { variablesText } from "./ContactsPage";

/** A campaign's state for a contact in words. */
export function membershipText(m: ContactDetail["campaigns"][number]): string {
  const tries = m.attempts === 1 ? "1 call" : `${m.attempts} calls`;
  switch (m.state) {
    case "pending":
      return "Waiting to be called";
    case "dialing":
    case "in_call":
      return "Being called now";
    case "retry_wait":
      return m.wait_reason === "callback_later" ? `Callback set (${tries} so far)` : `Retry later (${tries} so far)`;
    case "done":
      return `Done after ${tries}`;
    case "suppressed":
      return "Set aside: on a do-not-call list";
    default:
      return m.state.replace(/_/g, " ");
  }
}

export function ContactDrawer({ contactId, onClose }: { contactId: number; onClose(): void }) {
  const q = useQuery({ queryKey: keys.contact(contactId), queryFn: () => api.contacts.get(contactId) });
  const [callId, setCallId] = useState<number | null>(null);
  const qc = useQueryClient();
  const now = useNow();
  const block = useMutation({
    mutationFn: (phone: string) => api.dnc.add({ phone, reason: "Added from the contact's page" }),
    onSuccess: () => void qc.invalidateQueries(),
  });
  const d = q.data;
  const c = d?.contact;
  const listed = (d?.dnc.length ?? 0) > 0;
  return (
    <Drawer
      title={c ? c.name || c.phone_e164 : "Contact"}
      subtitle={c && <span className="tabular">{c.phone_e164}</span>}
      onClose={onClose}
      footer={
        c &&
        c.status !== "deleted" && (
          <div className="drawer-actions">
            {!listed && (
              <button className="btn btn-secondary" disabled={block.isPending} onClick={() => block.mutate(c.phone_e164)} data-testid="contact-block">
                Add to the do-not-call list
              </button>
            )}
            <div className="toolbar-spacer" />
            <ForgetPerson contact={c} />
          </div>
        )
      }
    >
      {q.isError && <ErrorCard title="Could not load the contact" error={q.error} onRetry={() => void q.refetch()} />}
      {d && c && (
        <div data-testid="contact-drawer">
          <dl className="kv">
            <dt>Status</dt>
            <dd>
              <span className={`badge badge-${c.status === "active" ? "running" : "cancelled"}`}>{c.status.replace(/_/g, " ")}</span>
              {listed && (
                <div className="dd-sub" data-testid="contact-dnc">
                  On the do-not-call list: {SOURCE_LABELS[d.dnc[0].source] ?? d.dnc[0].source}
                  {d.dnc[0].campaign_name ? ` (${d.dnc[0].campaign_name} only)` : ""}
                </div>
              )}
            </dd>
            {c.email && (
              <>
                <dt>Email</dt>
                <dd>{c.email}</dd>
              </>
            )}
            <dt>Time zone</dt>
            <dd>{c.time_zone ?? <span className="faint">Unknown</span>}</dd>
            <dt>Variables</dt>
            <dd>{variablesText(c) || <span className="faint">None</span>}</dd>
          </dl>
          <h3 className="drawer-section">Campaigns</h3>
          {d.campaigns.length === 0 ? (
            <p className="faint">In no campaign.</p>
          ) : (
            <dl className="kv" data-testid="contact-campaigns">
              {d.campaigns.map((m) => (
                <div className="kv-pair" key={m.campaign_id}>
                  <dt>{m.campaign_name}</dt>
                  <dd>{membershipText(m)}</dd>
                </div>
              ))}
            </dl>
          )}
          <h3 className="drawer-section">Calls</h3>
          {d.calls.length === 0 ? (
            <p className="faint">Not called yet.</p>
          ) : (
            <ul className="contact-calls" data-testid="contact-calls">
              {d.calls.map((k) => (
                <li key={k.id}>
                  <button className="contact-call" onClick={() => setCallId(k.id)} data-testid="contact-call">
                    <CallStatusBadge status={k.status} />
                    <span className="contact-call-campaign">{k.campaign_name ?? `Call #${k.id}`}</span>
                    <span className="faint nowrap" title={absoluteTime(k.created_at)}>
                      {relativeTime(k.created_at, now)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {callId != null && <CallDrawer callId={callId} onClose={() => setCallId(null)} />}
    </Drawer>
  );
}
