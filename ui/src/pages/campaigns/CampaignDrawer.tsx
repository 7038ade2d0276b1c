import { useQuery } from "@tanstack/react-query";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { Agent, Campaign } from "../../api/types";
import { Drawer } from "../../components/Drawer";
import { ElevenLabsSetup } from "./ElevenLabsSetup";
import { IconAlert, IconEdit, IconPause, IconPlay, IconTrash } from "../../components/Icons";
import { StatusBadge } from "../../components/StatusBadge";
import {
  AGENT_PROVIDER_LABELS,
  hoursLabel,
  isAlarmReason,
  isDeletable,
  isEditable,
  providerLabel,
  RETRY_OUTCOMES,
  statusReasonText,
} from "../../lib/labels";
import { absoluteTime, relativeTime, useNow } from "../../lib/time";
import { DEFAULT_BREAKER, DEFAULT_MAX_CALL_SECONDS, DEFAULT_RETRY_POLICY } from "./formModel";
import { CampaignDashboard } from "./CampaignDashboard";
import { attemptsText, breakerText, ruleText, watchdogText } from "./policyText";
import { formatRate, nextStep } from "./steps";
import type { Transition } from "./useCampaignActions";

/** While a campaign runs, its "why" report is refetched this often (and on every change event for it). */
export const WHY_REFRESH_MS = 5_000;

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
  const policy = c.retry_policy ?? DEFAULT_RETRY_POLICY;
  const breaker = c.breaker ?? DEFAULT_BREAKER;
  const maxCall = c.max_call_seconds ?? DEFAULT_MAX_CALL_SECONDS;
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
          <button
            className="btn btn-secondary"
            onClick={onEdit}
            disabled={!isEditable(c.status)}
            title={isEditable(c.status) ? undefined : `A ${c.status} campaign cannot be edited${c.status === "running" ? "; pause it first" : ""}`}
          >
            <IconEdit /> Edit
          </button>
          {next && (
            <button className="btn btn-primary" onClick={() => onTransition(next.step)} data-testid={`drawer-${next.step}`}>
              {next.step === "pause" ? <IconPause /> : <IconPlay />} {next.label}
            </button>
          )}
        </>
      }
    >
      {c.description && <p className="drawer-lead">{c.description}</p>}
      {c.status_reason && isAlarmReason(c.status_reason) && (
        <div className="callout callout-warning" role="status" data-testid="status-alarm">
          <IconAlert />
          <div>
            <strong>{statusReasonText(c.status_reason)}.</strong>{" "}
            {c.status === "paused" ? "Find out why calls fail (provider, numbers, agent), then resume." : null}
          </div>
        </div>
      )}
      <Progress campaign={c} />
      <CampaignDashboard campaign={c} />
      <WhyPanel campaign={c} />

      <h3 className="drawer-section">Dialing</h3>
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
        <dd>{c.from_number ? <span className="mono">{c.from_number}</span> : <span className="faint">Provider default</span>}</dd>
        <dt>Pacing</dt>
        <dd>
          Up to {c.max_concurrent} {c.max_concurrent === 1 ? "call" : "calls"} at once, {formatRate(c.calls_per_second)} new{" "}
          {c.calls_per_second === 1 ? "call" : "calls"} per second
          {c.reserved_headroom ? (
            <div className="dd-sub" data-testid="drawer-headroom">
              {c.reserved_headroom} kept free for inbound calls and other campaigns
            </div>
          ) : null}
        </dd>
        {c.start_at || c.end_at ? (
          <>
            <dt>Schedule</dt>
            <dd data-testid="drawer-schedule">
              {c.start_at ? `Starts ${absoluteTime(c.start_at)}` : "Starts when started"}
              {c.end_at ? (
                <div className="dd-sub">
                  {c.end_action === "pause" ? "Pauses" : "Completes"} {absoluteTime(c.end_at)}
                </div>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Calling window</dt>
        <dd>
          {hoursLabel(c.hours_preset)}
          <div className="dd-sub">
            Default zone <span className="mono">{c.time_zone}</span>
          </div>
        </dd>
      </dl>

      {(c.provider === "elevenlabs" || c.provider === "elevenlabs-batch") && <ElevenLabsSetup campaign={c} />}

      <h3 className="drawer-section">Retries</h3>
      <dl className="kv" data-testid="drawer-retries">
        <dt>Attempts</dt>
        <dd data-testid="drawer-attempts">{attemptsText(policy)}</dd>
        {RETRY_OUTCOMES.map((o) => (
          <RetryLine key={o.value} label={o.label} text={ruleText(policy[o.value], policy.max_attempts)} testId={`drawer-retry-${o.value}`} />
        ))}
      </dl>

      <h3 className="drawer-section">Safety</h3>
      <dl className="kv">
        <dt>Circuit breaker</dt>
        <dd data-testid="drawer-breaker">{breakerText(breaker)}</dd>
        <dt>Watchdog</dt>
        <dd data-testid="drawer-watchdog">{watchdogText(maxCall)}</dd>
      </dl>

      <h3 className="drawer-section">Record</h3>
      <dl className="kv">
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

function RetryLine({ label, text, testId }: { label: string; text: string; testId: string }) {
  const off = text === "Not retried";
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId} className={off ? "faint" : undefined}>
        {text}
      </dd>
    </>
  );
}

/** Contacts done of all, as a bar, with the status and its reason. Live: the campaign comes from events. */
function Progress({ campaign: c }: { campaign: Campaign }) {
  const pct = c.contacts ? Math.min(100, Math.floor((c.completed / c.contacts) * 100)) : 0;
  const remaining = Math.max(0, c.contacts - c.completed);
  const running = c.status === "running";
  return (
    <section className="progress-block" data-testid="progress">
      <div className="progress-head">
        <span className="progress-title">
          {running && <span className="live-dot" aria-hidden="true" />}
          Progress
        </span>
        <span className="progress-pct tabular" data-testid="progress-pct">
          {c.contacts ? `${pct}%` : "No contacts yet"}
        </span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Contacts done"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuetext={`${c.completed} of ${c.contacts} contacts done`}
      >
        <div className={`progress-bar${running ? " is-live" : ""}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="progress-stats">
        <div>
          <div className="progress-num tabular" data-testid="progress-contacts">
            {c.contacts.toLocaleString()}
          </div>
          <div className="progress-label">Contacts</div>
        </div>
        <div>
          <div className="progress-num tabular" data-testid="progress-done">
            {c.completed.toLocaleString()}
          </div>
          <div className="progress-label">Done</div>
        </div>
        <div>
          <div className="progress-num tabular">{remaining.toLocaleString()}</div>
          <div className="progress-label">Remaining</div>
        </div>
      </div>
      {c.status_reason && (
        <div className="progress-reason" data-testid="status-reason" title={c.status_reason}>
          <span className={`reason-dot reason-${c.status}`} aria-hidden="true" />
          {statusReasonText(c.status_reason)}
        </div>
      )}
    </section>
  );
}

/**
 * "Why is nobody being called?": the core's explanation. Refetched on every `campaign_changed` event for this
 * campaign (api/cache.ts invalidates it) and, while the campaign runs, every few seconds: contacts move between
 * reasons (retry delays expire, windows open) without the campaign itself changing.
 */
function WhyPanel({ campaign: c }: { campaign: Campaign }) {
  const running = c.status === "running";
  const why = useQuery({
    queryKey: keys.why(c.id),
    queryFn: () => api.campaigns.why(c.id),
    staleTime: 2_000,
    refetchInterval: running ? WHY_REFRESH_MS : false,
  });
  const now = useNow(running ? WHY_REFRESH_MS : 30_000);
  if (why.isPending) {
    return (
      <section className="why" aria-busy="true" data-testid="why-loading">
        <div className="why-head">
          <span className="why-title">Dialing right now</span>
        </div>
        <span className="skeleton-text" />
      </section>
    );
  }
  if (!why.data) {
    const err = ApiError.from(why.error);
    return (
      <section className="why" data-testid="why-error">
        <div className="why-head">
          <span className="why-title">Dialing right now</span>
          <button className="link" onClick={() => void why.refetch()}>
            Try again
          </button>
        </div>
        <p className="why-summary">
          Could not ask the engine <span className="code-pill">{err.code}</span> {err.message}
        </p>
      </section>
    );
  }
  const w = why.data;
  const total = w.by_reason.reduce((n, r) => n + r.count, 0);
  return (
    <section className="why" data-testid="why" data-updated-at={why.dataUpdatedAt}>
      <div className="why-head">
        <span className="why-title">Dialing right now</span>
        <span className="muted tabular">
          {w.in_flight} of {w.max_concurrent} lines in use
        </span>
      </div>
      <p className="why-summary" data-testid="why-summary">
        {readableTimes(w.summary)}
      </p>
      {/* Only a future time says something the summary does not (a past one just means "as soon as a line is free"). */}
      {w.next_due_at && Date.parse(w.next_due_at) > now && !ISO_TIME.test(w.summary) && (
        <p className="field-hint" title={absoluteTime(w.next_due_at)}>
          Next contact due {dueIn(w.next_due_at, now)}
        </p>
      )}
      {w.by_reason.length > 0 && (
        <ul className="why-list">
          {w.by_reason.map((r) => (
            <li key={`${r.state}/${r.reason}`}>
              <span className="why-label" title={r.label}>
                {r.label.charAt(0).toUpperCase() + r.label.slice(1)}
              </span>
              <span className="why-bar" aria-hidden="true">
                <span style={{ width: `${total ? Math.max(2, (r.count / total) * 100) : 0}%` }} className={`why-fill why-${r.state}`} />
              </span>
              <span className="why-count tabular">{r.count.toLocaleString()}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="why-foot faint" data-testid="why-refresh">
        {running ? `Live · refreshed ${relativeTime(new Date(why.dataUpdatedAt).toISOString(), now)}` : `As of ${relativeTime(new Date(why.dataUpdatedAt).toISOString(), now)}`}
      </p>
    </section>
  );
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/;

/** The core's sentences carry RFC 3339 instants ("…dialable at 2026-11-29T06:00:00.000000Z"): local time instead. */
export function readableTimes(text: string): string {
  return text.replace(new RegExp(ISO_TIME.source, "g"), (iso) => {
    const t = Date.parse(iso);
    return Number.isNaN(t) ? iso : new Date(t).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  });
}

/** "in 5 min", "in 2 h", for a time in the future. */
function dueIn(iso: string, now: number): string {
  const mins = Math.round((Date.parse(iso) - now) / 60_000);
  if (mins < 1) return "in under a minute";
  if (mins < 60) return `in ${mins} min`;
  const h = Math.round(mins / 60);
  if (h < 48) return `in ${h} h`;
  return `on ${absoluteTime(iso)}`;
}
