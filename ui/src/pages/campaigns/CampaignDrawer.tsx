import { useQuery } from "@tanstack/react-query";
import { api, keys } from "../../api/client";
import type { Agent, Campaign } from "../../api/types";
import { Drawer } from "../../components/Drawer";
import { IconEdit, IconPause, IconPlay, IconTrash } from "../../components/Icons";
import { StatusBadge } from "../../components/StatusBadge";
import { AGENT_PROVIDER_LABELS, hoursLabel, isDeletable, isEditable, providerLabel } from "../../lib/labels";
import { absoluteTime, relativeTime } from "../../lib/time";
import { formatRate, nextStep } from "./steps";
import type { Transition } from "./useCampaignActions";

/** Everything about one campaign, with its actions. */
export function CampaignDrawer({
  campaign: c,
  agent,
  onClose,
  onEdit,
  onDelete,
  onTransition,
  onCancelCampaign,
}: {
  campaign: Campaign;
  agent: Agent | undefined;
  onClose(): void;
  onEdit(): void;
  onDelete(): void;
  onTransition(t: Transition): void;
  onCancelCampaign(): void;
}) {
  const next = nextStep(c.status);
  const pct = c.contacts ? Math.round((c.completed / c.contacts) * 100) : 0;
  return (
    <Drawer
      title={c.name}
      subtitle={
        <>
          <StatusBadge status={c.status} />
          <span className="muted">Campaign #{c.id}</span>
        </>
      }
      onClose={onClose}
      footer={
        <>
          <button className="btn btn-danger-outline" onClick={onDelete} disabled={!isDeletable(c.status)}>
            <IconTrash /> Delete
          </button>
          <div className="toolbar-spacer" />
          {c.status !== "completed" && c.status !== "cancelled" && (
            <button className="btn btn-ghost" onClick={onCancelCampaign} title="Stop for good; it cannot be resumed">
              Cancel campaign
            </button>
          )}
          <button className="btn btn-secondary" onClick={onEdit} disabled={!isEditable(c.status)}>
            <IconEdit /> Edit
          </button>
          {next && (
            <button className="btn btn-primary" onClick={() => onTransition(next.step)}>
              {next.step === "pause" ? <IconPause /> : <IconPlay />} {next.label}
            </button>
          )}
        </>
      }
    >
      {c.description && <p className="drawer-lead">{c.description}</p>}
      <div className="progress-block">
        <div className="progress-head">
          <span>Progress</span>
          <span className="muted">
            {c.contacts
              ? `${c.completed.toLocaleString()} of ${c.contacts.toLocaleString()} contacts · ${pct}%`
              : "No contacts yet"}
          </span>
        </div>
        <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
          <div className="progress-bar" style={{ width: `${pct}%` }} />
        </div>
      </div>
      <WhyPanel campaign={c} />
      <dl className="kv">
        {c.status_reason && (
          <>
            <dt>Status reason</dt>
            <dd data-testid="status-reason">{c.status_reason}</dd>
          </>
        )}
        <dt>Provider</dt>
        <dd>{providerLabel(c.provider)}</dd>
        <dt>Agent</dt>
        <dd>
          {agent ? (
            <>
              {agent.name}{" "}
              <span className="muted">
                · {AGENT_PROVIDER_LABELS[agent.provider] ?? agent.provider}
                {agent.language ? ` · ${agent.language}` : ""}
              </span>
            </>
          ) : c.agent_id == null ? (
            <span className="faint">None</span>
          ) : (
            `Agent #${c.agent_id}`
          )}
        </dd>
        <dt>Caller ID</dt>
        <dd>{c.from_number ? <span className="mono">{c.from_number}</span> : <span className="faint">Provider default</span>}</dd>
        <dt>Max concurrent</dt>
        <dd>{c.max_concurrent} calls</dd>
        <dt>Pacing</dt>
        <dd>
          {formatRate(c.calls_per_second)} {c.calls_per_second === 1 ? "call" : "calls"} per second
        </dd>
        <dt>Calling window</dt>
        <dd>{hoursLabel(c.hours_preset)}</dd>
        <dt>Default zone</dt>
        <dd className="mono">{c.time_zone}</dd>
        <dt>Created</dt>
        <dd>{absoluteTime(c.created_at)}</dd>
        <dt>Updated</dt>
        <dd>{absoluteTime(c.updated_at)}</dd>
      </dl>
      {agent?.first_message && (
        <div className="quote">
          <div className="quote-label">Agent opens with</div>“{agent.first_message}”
        </div>
      )}
    </Drawer>
  );
}

/** "Why is nobody being called?": the core's explanation, refetched whenever the campaign changes. */
function WhyPanel({ campaign: c }: { campaign: Campaign }) {
  const why = useQuery({ queryKey: keys.why(c.id), queryFn: () => api.campaigns.why(c.id), staleTime: 10_000 });
  if (!why.data) return null;
  const w = why.data;
  const total = w.by_reason.reduce((n, r) => n + r.count, 0);
  return (
    <section className="why" data-testid="why">
      <div className="why-head">
        <span className="why-title">Dialing right now</span>
        <span className="muted tabular">
          {w.in_flight} of {w.max_concurrent} lines in use
        </span>
      </div>
      <p className="why-summary">{w.summary}</p>
      {w.next_due_at && (
        <p className="field-hint" title={absoluteTime(w.next_due_at)}>
          Next contact due {relativeTime(w.next_due_at).replace(" ago", "")}
        </p>
      )}
      {w.by_reason.length > 0 && (
        <ul className="why-list">
          {w.by_reason.map((r) => (
            <li key={`${r.state}/${r.reason}`}>
              <span className="why-label">{r.label}</span>
              <span className="why-bar" aria-hidden="true">
                <span style={{ width: `${total ? Math.max(2, (r.count / total) * 100) : 0}%` }} className={`why-fill why-${r.state}`} />
              </span>
              <span className="why-count tabular">{r.count.toLocaleString()}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
