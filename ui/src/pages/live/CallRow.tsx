import { memo } from "react";
import { isInFlight } from "../../api/live";
import type { BoardCall } from "../../api/types";
import { callSeconds, callStatusLabel, clock } from "../../lib/callLabels";
import { providerLabel } from "../../lib/labels";
import { useSecond } from "../../lib/ticker";

export function CallStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge call-badge cs-${status}`} data-testid="call-status" data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {callStatusLabel(status)}
    </span>
  );
}

/** A duration that ticks while the call is live (its own re-render, not the row's). */
function LiveDuration({ call }: { call: BoardCall }) {
  const now = useSecond();
  return <>{clock(callSeconds(call, now))}</>;
}

export function Duration({ call }: { call: BoardCall }) {
  if (isInFlight(call.status)) return <LiveDuration call={call} />;
  return <>{clock(callSeconds(call, Date.now()))}</>;
}

export function Sentiment({ value }: { value: string | null }) {
  if (!value) return <span className="faint">–</span>;
  return (
    <span className={`sentiment sentiment-${value}`} title={`Sentiment: ${value}`}>
      {value.charAt(0).toUpperCase() + value.slice(1)}
    </span>
  );
}

/** One board row; memoised on the call object, so rows whose call did not change skip rendering. */
export const CallRow = memo(function CallRow({
  call: c,
  selected,
  onOpen,
}: {
  call: BoardCall;
  selected: boolean;
  onOpen(id: number): void;
}) {
  return (
    <tr
      className={`row-clickable${selected ? " row-selected" : ""}`}
      onClick={() => onOpen(c.id)}
      data-testid="call-row"
      data-call-id={c.id}
      data-status={c.status}
      aria-selected={selected}
    >
      <td>
        <CallStatusBadge status={c.status} />
      </td>
      <td>
        <div className="cell-title">{c.contact_name || c.contact_phone || `Call #${c.id}`}</div>
        <div className="cell-sub mono">{c.contact_name ? c.contact_phone : `#${c.id}`}</div>
      </td>
      <td>
        <div className="cell-ellipsis">{c.campaign_name ?? (c.campaign_id ? `#${c.campaign_id}` : "–")}</div>
        <div className="cell-sub">
          {c.agent_name ?? "No agent"} · {providerLabel(c.provider)}
        </div>
      </td>
      <td className="num mono">
        <Duration call={c} />
      </td>
      <td>
        {c.last_line ? (
          <div className="last-line" title={c.last_line.text}>
            <span className={`who who-${c.last_line.role}`}>{c.last_line.role === "agent" ? "Agent" : "Contact"}</span>
            <span className="cell-ellipsis">{c.last_line.text}</span>
          </div>
        ) : (
          <span className="faint">{c.outcome ? c.outcome.replace(/_/g, " ") : "–"}</span>
        )}
      </td>
      <td>
        <Sentiment value={c.sentiment} />
      </td>
    </tr>
  );
});
