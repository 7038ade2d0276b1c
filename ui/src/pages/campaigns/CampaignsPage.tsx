import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { Agent, Campaign, CampaignStatus } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { EmptyState } from "../../components/EmptyState";
import { IconCampaigns, IconEdit, IconPause, IconPlay, IconPlus, IconTrash } from "../../components/Icons";
import { SearchBox } from "../../components/SearchBox";
import { Modal } from "../../components/Modal";
import { StatusBadge } from "../../components/StatusBadge";
import { hoursLabel, isDeletable, isEditable, providerLabel, STATUSES, STATUS_LABELS } from "../../lib/labels";
import { absoluteTime, localTimeZone, relativeTime, useNow } from "../../lib/time";
import { CampaignDrawer } from "./CampaignDrawer";
import { CampaignForm } from "./CampaignForm";
import { setupApi, setupKeys } from "../../api/setup";
import { changes, emptyValues, toInput, valuesOf } from "./formModel";
import { formatRate, nextStep } from "./steps";
import { useCampaignActions, type Transition } from "./useCampaignActions";

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; campaign: Campaign }
  | { kind: "delete"; campaign: Campaign }
  | { kind: "cancel"; campaign: Campaign }
  | null;

export function CampaignsPage() {
  const campaigns = useQuery({ queryKey: keys.campaigns, queryFn: api.campaigns.list });
  const agents = useQuery({ queryKey: keys.agents, queryFn: api.agents.list });
  const actions = useCampaignActions();
  const [dialog, setDialog] = useState<Dialog>(null);
  const carriers = useQuery({ queryKey: setupKeys.carriers, queryFn: setupApi.carriers, enabled: dialog?.kind === "create" || dialog?.kind === "edit" });
  const [openId, setOpenId] = useState<number | null>(null);
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState<CampaignStatus | "all">("all");
  const now = useNow();

  const agentById = useMemo(() => new Map((agents.data ?? []).map((a) => [a.id, a])), [agents.data]);
  const list = campaigns.data ?? [];
  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    return list.filter(
      (c) =>
        (status === "all" || c.status === status) &&
        (!q || c.name.toLowerCase().includes(q) || c.description.toLowerCase().includes(q)),
    );
  }, [list, query, status]);
  const open = openId == null ? undefined : list.find((c) => c.id === openId);

  const openEdit = (c: Campaign) => setDialog({ kind: "edit", campaign: c });
  const openDelete = (c: Campaign) => setDialog({ kind: "delete", campaign: c });

  const dialogs = (
    <>
      {dialog?.kind === "create" && (
        <Modal title="New campaign" description="Who calls, how fast and when. Editable until the campaign starts." onClose={() => setDialog(null)} width={600} bare>
          <CampaignForm
            mode="create"
            initial={emptyValues(localTimeZone())}
            agents={agents.data}
            carriers={carriers.data?.carriers}
            onCancel={() => setDialog(null)}
            onSubmit={async (v) => {
              const c = await actions.create(toInput(v));
              setDialog(null);
              return c;
            }}
          />
        </Modal>
      )}
      {dialog?.kind === "edit" && (
        <Modal title="Edit campaign" description={dialog.campaign.name} onClose={() => setDialog(null)} width={600} bare>
          <CampaignForm
            mode="edit"
            initial={valuesOf(dialog.campaign)}
            agents={agents.data}
            carriers={carriers.data?.carriers}
            onCancel={() => setDialog(null)}
            onSubmit={async (v) => {
              // Send only what the user changed since the form opened, so an edit another tab saved meanwhile
              // to a setting left alone here is not overwritten with the stale value this form still holds.
              const diff = changes(dialog.campaign, v);
              if (Object.keys(diff).length > 0) await actions.update(dialog.campaign.id, diff);
              setDialog(null);
            }}
          />
        </Modal>
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title="Delete campaign?"
          danger
          confirmLabel="Delete campaign"
          body={
            <p>
              <strong>{dialog.campaign.name}</strong> and its settings will be removed from this console. This cannot be
              undone.
            </p>
          }
          onConfirm={async () => {
            await actions.remove(dialog.campaign);
            if (openId === dialog.campaign.id) setOpenId(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "cancel" && (
        <ConfirmDialog
          title="Cancel campaign?"
          danger
          confirmLabel="Cancel campaign"
          body={
            <p>
              <strong>{dialog.campaign.name}</strong> stops for good: no new calls are placed and it cannot be resumed.
            </p>
          }
          onConfirm={() => actions.cancel(dialog.campaign)}
          onClose={() => setDialog(null)}
        />
      )}
      {open && (
        <CampaignDrawer
          campaign={open}
          agent={open.agent_id == null ? undefined : agentById.get(open.agent_id)}
          onClose={() => setOpenId(null)}
          onEdit={() => openEdit(open)}
          onDelete={() => openDelete(open)}
          onTransition={(t) => void actions.transition(open, t)}
          onCancelCampaign={() => setDialog({ kind: "cancel", campaign: open })}
        />
      )}
    </>
  );

  if (campaigns.isPending) {
    return (
      <div className="page">
        <div className="card">
          <div className="skeleton-table" aria-busy="true" aria-label="Loading campaigns">
            {Array.from({ length: 5 }, (_, i) => (
              <div className="skeleton-row" key={i} />
            ))}
          </div>
        </div>
      </div>
    );
  }

  if (campaigns.isError) {
    const err = ApiError.from(campaigns.error);
    return (
      <div className="page">
        <div className="card card-error" role="alert">
          <div className="card-error-title">
            Could not load campaigns <span className="code-pill">{err.code}</span>
          </div>
          <p className="muted">{err.message}</p>
          <button className="btn btn-secondary" onClick={() => void campaigns.refetch()}>
            Try again
          </button>
        </div>
      </div>
    );
  }

  if (list.length === 0) {
    return (
      <div className="page">
        <EmptyState
          icon={<IconCampaigns size={28} />}
          title="No campaigns yet"
          action={
            <button className="btn btn-primary" data-testid="campaign-new" onClick={() => setDialog({ kind: "create" })}>
              <IconPlus /> New campaign
            </button>
          }
        >
          A campaign is a list of people to call, the AI agent that speaks to them, how many calls run at once and
          the hours they may ring. Create one, import contacts, and press start.
        </EmptyState>
        {dialogs}
      </div>
    );
  }

  const running = list.filter((c) => c.status === "running").length;
  const paused = list.filter((c) => c.status === "paused").length;
  const contacts = list.reduce((n, c) => n + c.contacts, 0);
  const completed = list.reduce((n, c) => n + c.completed, 0);
  const counts = new Map<CampaignStatus, number>();
  for (const c of list) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);

  return (
    <div className="page">
      <div className="stats">
        <Stat label="Campaigns" value={list.length} note={`${list.filter((c) => c.status === "draft").length} in draft`} />
        <Stat label="Running now" value={running} note={paused ? `${paused} paused` : "none paused"} tone={running ? "live" : undefined} />
        <Stat label="Contacts" value={contacts.toLocaleString()} note="across all campaigns" />
        <Stat
          label="Contacts done"
          value={completed.toLocaleString()}
          note={contacts ? `${Math.round((completed / contacts) * 100)}% of all contacts` : "no contacts yet"}
        />
      </div>

      <div className="card">
        <div className="card-toolbar">
          <SearchBox value={query} onChange={setQuery} placeholder="Search campaigns" label="Search campaigns" />
          <div className="segmented" role="tablist" aria-label="Filter by status">
            <button role="tab" aria-selected={status === "all"} className={status === "all" ? "on" : ""} onClick={() => setStatus("all")}>
              All <span className="seg-count">{list.length}</span>
            </button>
            {STATUSES.filter((s) => counts.has(s)).map((s) => (
              <button role="tab" key={s} aria-selected={status === s} className={status === s ? "on" : ""} onClick={() => setStatus(s)}>
                {STATUS_LABELS[s]} <span className="seg-count">{counts.get(s)}</span>
              </button>
            ))}
          </div>
          <div className="toolbar-spacer" />
          <button className="btn btn-primary" data-testid="campaign-new" onClick={() => setDialog({ kind: "create" })}>
            <IconPlus /> New campaign
          </button>
        </div>

        <div className="table-wrap">
          <table className="table table-fixed" data-testid="campaign-table">
            <colgroup>
              <col />
              <col style={{ width: 128 }} />
              <col style={{ width: 172 }} />
              <col style={{ width: 112 }} />
              <col style={{ width: 136 }} />
              <col style={{ width: 100 }} />
              <col style={{ width: 108 }} />
            </colgroup>
            <thead>
              <tr>
                <th className="col-name">Campaign</th>
                <th>Status</th>
                <th>Agent · Provider</th>
                <th title="Max concurrent calls · calls started per second">Pacing</th>
                <th>Hours</th>
                <th>Updated</th>
                <th className="col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {visible.map((c) => (
                <CampaignRow
                  key={c.id}
                  campaign={c}
                  agent={c.agent_id == null ? undefined : agentById.get(c.agent_id)}
                  now={now}
                  onOpen={() => setOpenId(c.id)}
                  onEdit={() => openEdit(c)}
                  onDelete={() => openDelete(c)}
                  onTransition={(t) => void actions.transition(c, t)}
                />
              ))}
              {visible.length === 0 && (
                <tr>
                  <td colSpan={7} className="table-none">
                    No campaigns match{query ? ` “${query}”` : ""}.{" "}
                    <button className="link" onClick={() => (setQuery(""), setStatus("all"))}>
                      Clear filters
                    </button>
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
      {dialogs}
    </div>
  );
}

function Stat({ label, value, note, tone }: { label: string; value: number | string; note: string; tone?: "live" }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ""}`}>
      <div className="stat-label">
        {tone === "live" && <span className="live-dot" aria-hidden="true" />}
        {label}
      </div>
      <div className="stat-value">{value}</div>
      <div className="stat-note">{note}</div>
    </div>
  );
}

function CampaignRow({
  campaign: c,
  agent,
  now,
  onOpen,
  onEdit,
  onDelete,
  onTransition,
}: {
  campaign: Campaign;
  agent: Agent | undefined;
  now: number;
  onOpen(): void;
  onEdit(): void;
  onDelete(): void;
  onTransition(t: Transition): void;
}) {
  const next = nextStep(c.status);
  const editable = isEditable(c.status);
  const deletable = isDeletable(c.status);
  const [hoursName, hoursWhen] = splitHours(c.hours_preset);
  return (
    <tr
      className="row-clickable"
      data-testid="campaign-row"
      data-campaign-id={c.id}
      data-campaign-name={c.name}
      data-status={c.status}
      onClick={(e) => {
        if (!(e.target as HTMLElement).closest("button, a")) onOpen();
      }}
    >
      <td className="col-name">
        <button type="button" className="cell-title row-link" title={c.name} onClick={onOpen}>
          {c.name}
        </button>
        <div className="cell-sub" title={c.description}>
          {c.description || <span className="faint">No description</span>}
        </div>
      </td>
      <td>
        <StatusBadge status={c.status} reason={c.status_reason} />
      </td>
      <td>
        <div className="cell-title-sm" title={agent?.name}>
          {c.agent_id == null ? <span className="faint">No agent</span> : (agent?.name ?? `Agent #${c.agent_id}`)}
        </div>
        <div className="cell-sub">{providerLabel(c.provider)}</div>
      </td>
      <td title={`Up to ${c.max_concurrent} calls at once, ${formatRate(c.calls_per_second)} new calls per second`}>
        <div className="cell-title-sm tabular" data-testid="campaign-max-concurrent-cell">
          {c.max_concurrent} <span className="muted">at once</span>
        </div>
        <div className="cell-sub tabular">{formatRate(c.calls_per_second)} calls/s</div>
      </td>
      <td title={`${hoursLabel(c.hours_preset)} · default zone ${c.time_zone}`}>
        <div className="cell-title-sm">{hoursName}</div>
        {hoursWhen && <div className="cell-sub">{hoursWhen}</div>}
      </td>
      <td title={absoluteTime(c.updated_at)} className="nowrap muted">
        {relativeTime(c.updated_at, now)}
      </td>
      <td className="col-actions">
        <div className="row-actions">
          {next && (
            <button
              className="btn btn-ghost btn-icon btn-sm"
              title={`${next.label} campaign`}
              aria-label={`${next.label} ${c.name}`}
              data-testid={`campaign-${next.step}`}
              onClick={() => onTransition(next.step)}
            >
              {next.step === "pause" ? <IconPause /> : <IconPlay />}
            </button>
          )}
          <button
            className="btn btn-ghost btn-icon btn-sm"
            title={editable ? "Edit" : `A ${c.status} campaign cannot be edited${c.status === "running" ? "; pause it first" : ""}`}
            aria-label={`Edit ${c.name}`}
            data-testid="campaign-edit"
            disabled={!editable}
            onClick={onEdit}
          >
            <IconEdit />
          </button>
          <button
            className="btn btn-ghost btn-icon btn-sm btn-danger-ghost"
            title={deletable ? "Delete" : "A running campaign cannot be deleted; pause or cancel it first"}
            aria-label={`Delete ${c.name}`}
            data-testid="campaign-delete"
            disabled={!deletable}
            onClick={onDelete}
          >
            <IconTrash />
          </button>
        </div>
      </td>
    </tr>
  );
}

function splitHours(p: string): [string, string | null] {
  const full = hoursLabel(p);
  const m = /^(.*?) \((.*)\)$/.exec(full);
  if (p === "always") return ["Always", "any time"];
  return m ? [m[1] ?? full, m[2] ?? null] : [full, null];
}
