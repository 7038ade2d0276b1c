/**
 * The call's contact in the drawer: who they are, their zone and the agent's variables, and "Forget this
 * person" for an erasure request (`contact.forget`): what they said and what describes them is erased
 * everywhere, their number stays on the do-not-call list. A caller with no contact record (an incoming SIP
 * call) is forgotten call by call (`call.forget`).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { CallContact, CallDetail } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";

export function ContactDetails({ detail: d }: { detail: CallDetail }) {
  const ct = d.contact;
  if (!ct)
    return (
      <>
        <p className="faint">This call has no contact record (a caller, or a call a provider reported).</p>
        <ForgetCall callId={d.call.id} />
      </>
    );
  const vars = Object.entries(ct.variables ?? {});
  return (
    <>
    <dl className="kv" data-testid="call-contact">
      <dt>Name</dt>
      <dd>{ct.name || <span className="faint">–</span>}</dd>
      <dt>Number</dt>
      <dd className="mono">{ct.phone_e164}</dd>
      {ct.email && (
        <>
          <dt>Email</dt>
          <dd>{ct.email}</dd>
        </>
      )}
      <dt>Time zone</dt>
      <dd>{ct.time_zone ?? <span className="faint">Unknown</span>}</dd>
      {ct.status !== "active" && (
        <>
          <dt>Status</dt>
          <dd>{ct.status.replace(/_/g, " ")}</dd>
        </>
      )}
      <dt>Variables</dt>
      <dd>
        {vars.length === 0 ? (
          <span className="faint">None</span>
        ) : (
          <div className="vars" data-testid="call-variables">
            {vars.map(([k, v]) => (
              <span key={k} className="var">
                <span className="var-key">{k}</span>
                <span className="var-value">{typeof v === "string" ? v : JSON.stringify(v)}</span>
              </span>
            ))}
          </div>
        )}
      </dd>
    </dl>
    {ct.status !== "deleted" && <ForgetPerson contact={ct} />}
    </>
  );
}

/** "Forget this person…" and its confirmation (`contact.forget`). */
export function ForgetPerson({ contact }: { contact: Pick<CallContact, "id" | "name" | "phone_e164"> }) {
  const [asking, setAsking] = useState(false);
  const qc = useQueryClient();
  const who = contact.name || contact.phone_e164;
  return (
    <>
      <button type="button" className="btn btn-danger-outline btn-sm forget-person" data-testid="forget-person" onClick={() => setAsking(true)}>
        Forget this person…
      </button>
      {asking && (
        <ConfirmDialog
          title={`Forget ${who}?`}
          danger
          confirmLabel="Erase their data"
          body={
            <p>
              For an erasure request. Their name, details and variables, every transcript, summary, analysis and recording of their
              calls, and the webhooks that carried them are erased, and cannot be brought back. Their number stays on the do-not-call
              list so no campaign calls them again; the calls remain as dates, durations and outcomes. Backups made before keep the data
              until they are deleted.
            </p>
          }
          onConfirm={async () => {
            await api.contacts.forget(contact.id);
            void qc.invalidateQueries();
          }}
          onClose={() => setAsking(false)}
        />
      )}
    </>
  );
}

/** "Forget this call…" for a caller with no contact record, and its confirmation (`call.forget`). */
export function ForgetCall({ callId }: { callId: number }) {
  const [asking, setAsking] = useState(false);
  const qc = useQueryClient();
  return (
    <>
      <button type="button" className="btn btn-danger-outline btn-sm forget-person" data-testid="forget-call" onClick={() => setAsking(true)}>
        Forget this call…
      </button>
      {asking && (
        <ConfirmDialog
          title={`Forget what was said on call #${callId}?`}
          danger
          confirmLabel="Erase the call's content"
          body={
            <p>
              For a caller’s erasure request. The transcript, summary, analysis, recording and the webhooks of this call are erased and
              cannot be brought back; the call remains as a date, duration and outcome. Their other calls are not touched: forget each one.
              Backups made before keep the data until they are deleted.
            </p>
          }
          onConfirm={async () => {
            await api.calls.forget(callId);
            void qc.invalidateQueries();
          }}
          onClose={() => setAsking(false)}
        />
      )}
    </>
  );
}
