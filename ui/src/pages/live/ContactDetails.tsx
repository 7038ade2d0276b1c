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

/** A "Forget …" button that erases only after the supervisor confirms what goes. */
function ForgetButton(props: { testId: string; label: string; title: string; confirmLabel: string; body: string; erase: () => Promise<unknown> }) {
  const [asking, setAsking] = useState(false);
  const qc = useQueryClient();
  return (
    <>
      <button type="button" className="btn btn-danger-outline btn-sm forget-person" data-testid={props.testId} onClick={() => setAsking(true)}>
        {props.label}
      </button>
      {asking && (
        <ConfirmDialog
          title={props.title}
          danger
          confirmLabel={props.confirmLabel}
          body={<p>{props.body}</p>}
          onConfirm={async () => {
            await props.erase();
            void qc.invalidateQueries();
          }}
          onClose={() => setAsking(false)}
        />
      )}
    </>
  );
}

/** "Forget this person…" and its confirmation (`contact.forget`). */
export function ForgetPerson({ contact }: { contact: Pick<CallContact, "id" | "name" | "phone_e164"> }) {
  return (
    <ForgetButton
      testId="forget-person"
      label="Forget this person…"
      title={`Forget ${contact.name || contact.phone_e164}?`}
      confirmLabel="Erase their data"
      body="For an erasure request. Their name, details and variables, every transcript, summary, analysis and recording of their calls, and the webhooks that carried them are erased, and cannot be brought back. Their number stays on the do-not-call list so no campaign calls them again; the calls remain as dates, durations and outcomes. Backups made before keep the data until they are deleted."
      erase={() => api.contacts.forget(contact.id)}
    />
  );
}

/** "Forget this call…" for a caller with no contact record, and its confirmation (`call.forget`). */
export function ForgetCall({ callId }: { callId: number }) {
  return (
    <ForgetButton
      testId="forget-call"
      label="Forget this call…"
      title={`Forget what was said on call #${callId}?`}
      confirmLabel="Erase the call's content"
      body="For a caller’s erasure request. The transcript, summary, analysis, recording and the webhooks of this call are erased and cannot be brought back; the call remains as a date, duration and outcome. Their other calls are not touched: forget each one. Backups made before keep the data until they are deleted."
      erase={() => api.calls.forget(callId)}
    />
  );
}
