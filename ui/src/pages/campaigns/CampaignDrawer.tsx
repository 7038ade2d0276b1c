import type { Agent, Campaign } from "../../api/types";
import { Drawer } from "../../components/Drawer";
import { IconEdit, IconPause, IconPlay, IconTrash } from "../../components/Icons";
import { StatusBadge } from "../../components/StatusBadge";
import { AGENT_PROVIDER_LABELS, hoursLabel, isDeletable, isEditable, providerLabel } from "../../lib/labels";
import { absoluteTime } from "../../lib/time";
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
}: {
  campaign: Campaign;
  agent: Agent | undefined;
  onClose(): void;
  onEdit(): void;
  onDelete(): void;
  onTransition(t: Transition): void;
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
            <button className="btn btn-secondary" onClick={() => onTransition("cancel")}>
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
            {c.completed.toLocaleString()} of {c.contacts.toLocaleString()} contacts · {pct}%
          </span>
        </div>
        <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
          <div className="progress-bar" style={{ width: `${pct}%` }} />
        </div>
      </div>
      <dl className="kv">
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
        <dd className="mono">{c.from_number || <span className="faint">Provider default</span>}</dd>
        <dt>Max concurrent</dt>
        <dd>{c.max_concurrent} calls</dd>
        <dt>Pacing</dt>
        <dd>{formatRate(c.calls_per_second)} calls per second</dd>
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
