// The call drawer's "Recording disclosure" row: whether the agent said its disclosure in its opening, as
// the core read it from the transcript. Calls without a transcript (not answered, or history from before)
// are not reported as missing it.

import type { CallDetail } from "../../api/types";
import { timeOfDay } from "../../lib/time";

export function DisclosureStatus({ detail, live }: { detail: CallDetail; live: boolean }) {
  const d = detail.disclosure;
  if (!d) return null;
  const agentLines = detail.transcript.filter((l) => l.role === "agent").length;
  let state: "said" | "waiting" | "none" | "missing";
  if (d.heard_at) state = "said";
  else if (live && agentLines < 3) state = "waiting";
  else if (detail.transcript.length === 0) state = "none";
  else state = "missing";
  return (
    <>
      <dt>Recording disclosure</dt>
      <dd data-testid="call-disclosure" data-state={state} title={`“${d.text}”`}>
        {state === "said" && d.heard_at && <span className="tone-ok">Said at {timeOfDay(d.heard_at)}</span>}
        {state === "waiting" && <span className="faint">Not said yet</span>}
        {state === "none" && <span className="faint">No transcript to check</span>}
        {state === "missing" && <span className="tone-warn">Not heard in the agent’s opening lines</span>}
        <div className="dd-sub">“{d.text}”</div>
      </dd>
    </>
  );
}
