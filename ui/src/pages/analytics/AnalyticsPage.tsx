// The Analytics page: how the calling went over a period (7, 30 or 90 days, in the viewer's days), for all
// campaigns or one campaign or agent: KPIs with daily sparklines, dials/connects/successes per day,
// campaigns and agents side by side, dispositions, sentiment, and what contacts said most.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, keys } from "../../api/client";
import type { AnalyticsArgs, AnalyticsRow, Bucket } from "../../api/types";
import { CampaignSelect } from "../../components/CampaignSelect";
import { BarSeries, ShareBar } from "../../components/Charts";
import { ErrorCard } from "../../components/ErrorCard";
import { clock, money, percent } from "../../lib/callLabels";
import { href } from "../../lib/router";
import { Kpi, Legend } from "../overview/OverviewPage";

export const PERIODS = [7, 30, 90] as const;
export type PeriodDays = (typeof PERIODS)[number];

/** The period's first local midnight: today counts as one of the days. */
export function periodSince(days: number, now: Date = new Date()): string {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - (days - 1));
  return d.toISOString();
}

export function analyticsArgs(days: number, campaignId: number | null, agentId: number | null, now?: Date): AnalyticsArgs {
  const args: AnalyticsArgs = { since: periodSince(days, now) };
  if (campaignId != null) args.campaign_id = campaignId;
  if (agentId != null) args.agent_id = agentId;
  return args;
}

const dayLabel = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });
};

const SENTIMENT_KEYS: Record<string, string> = { positive: "answered", neutral: "busy", negative: "failed" };
/** Colours for dispositions, in order of frequency. */
const DISPOSITION_KEYS = ["answered", "transferred", "voicemail", "no_answer", "busy", "in_flight"];

export function AnalyticsPage() {
  const [days, setDays] = useState<PeriodDays>(30);
  const [campaignId, setCampaignId] = useState<number | null>(null);
  const [agentId, setAgentId] = useState<number | null>(null);
  const agents = useQuery({ queryKey: keys.agents, queryFn: api.agents.list });
  // The period starts at a local midnight fixed when the filter changes, so the cache key is stable.
  const args = useMemo(() => analyticsArgs(days, campaignId, agentId), [days, campaignId, agentId]);
  // Another period or filter keeps the figures on screen (dimmed) until the new ones arrive, rather than
  // flashing empty tables.
  const a = useQuery({ queryKey: keys.analytics(args), queryFn: () => api.stats.analytics(args), refetchInterval: 60_000, placeholderData: keepPreviousData });

  const toolbar = (
    <div className="card-toolbar analytics-toolbar">
      <div className="segmented" role="group" aria-label="Period">
        {PERIODS.map((d) => (
          <button key={d} className={d === days ? "on" : ""} aria-pressed={d === days} onClick={() => setDays(d)} data-testid={`period-${d}`}>
            {d} days
          </button>
        ))}
      </div>
      <CampaignSelect value={campaignId} onChange={setCampaignId} testId="analytics-campaign" label="Campaign" />
      <select
        className="input select toolbar-select"
        aria-label="Agent"
        value={agentId ?? ""}
        onChange={(e) => setAgentId(e.target.value ? Number(e.target.value) : null)}
        data-testid="analytics-agent"
      >
        <option value="">All agents</option>
        {(agents.data ?? []).map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </select>
    </div>
  );

  if (a.isError) {
    return (
      <div className="page">
        {toolbar}
        <ErrorCard title="Could not load the figures" error={a.error} onRetry={() => void a.refetch()} />
      </div>
    );
  }
  const d = a.data;
  const buckets: Bucket[] = (d?.days ?? []).map((r) => ({ at: r.key, dials: r.dials, connects: r.connects, successes: r.successes }));
  const t = d?.totals;
  const r = d?.rates;
  /** What an empty section says: "Loading…" until the first figures arrive. */
  const none = (message: string) => (d ? message : "Loading…");
  const busy = !d || a.isPlaceholderData;
  return (
    <div className={`page${a.isPlaceholderData ? " is-refreshing" : ""}`} data-testid="analytics-page" aria-busy={busy}>
      <div className="card analytics-bar">{toolbar}</div>
      {d && !a.isPlaceholderData && d.totals.dials === 0 && (
        <div className="callout callout-info" role="status" data-testid="an-none">
          No calls were placed in this period{campaignId != null || agentId != null ? " for this selection" : ""}. Start a campaign, or
          pick a longer period.{" "}
          <a className="link" href={href("campaigns")}>
            Campaigns
          </a>
        </div>
      )}
      <div className="stats stats-6">
        {t && r ? (
          <>
            <Kpi label="Dials" value={t.dials.toLocaleString()} note={`over ${days} days`} series={buckets.map((b) => b.dials)} testId="an-dials" />
            <Kpi label="Connect rate" value={percent(r.connect_rate)} note={`${t.connects.toLocaleString()} connects`} series={buckets.map((b) => b.connects)} testId="an-connect" />
            <Kpi label="Success rate" value={percent(r.success_rate)} note={`${t.successes.toLocaleString()} of connects`} series={buckets.map((b) => b.successes)} testId="an-success" />
            <Kpi label="Voicemail rate" value={percent(r.voicemail_rate)} note={`${t.voicemails.toLocaleString()} voicemails`} testId="an-voicemail" />
            <Kpi label="Avg duration" value={t.avg_duration_s == null ? "–" : clock(t.avg_duration_s)} note="of connected calls" testId="an-duration" />
            <Kpi label="Cost per success" value={r.cost_per_success == null ? "–" : money(r.cost_per_success)} note={`${money(t.cost)} in all`} testId="an-cost" />
          </>
        ) : (
          Array.from({ length: 6 }, (_, i) => (
            <div className="stat" key={i}>
              <span className="skeleton-text" />
            </div>
          ))
        )}
      </div>
      <div className="overview-grid">
        <section className="card chart-card chart-wide">
          <div className="chart-head">
            <h2>Per day</h2>
            <Legend />
          </div>
          <BarSeries buckets={buckets} label={`Dials, connects and successes per day, last ${days} days`} format={dayLabel} />
        </section>
        <GroupTable title="Campaigns" rows={d?.by_campaign ?? []} testId="an-campaigns" empty={none("No campaign placed calls in this period.")} />
        <GroupTable title="Agents" rows={d?.by_agent ?? []} testId="an-agents" empty={none("No agent took calls in this period.")} />
        <section className="card chart-card" data-testid="an-dispositions">
          <div className="chart-head">
            <h2>Dispositions</h2>
          </div>
          {d && d.dispositions.length > 0 ? (
            <ShareBar parts={d.dispositions.map(([label, value], i) => ({ key: DISPOSITION_KEYS[i % DISPOSITION_KEYS.length] ?? "busy", label: label.replace(/_/g, " "), value }))} />
          ) : (
            <p className="faint">{none("No dispositions recorded in this period.")}</p>
          )}
          <div className="chart-head chart-subhead">
            <h2>Sentiment</h2>
          </div>
          {d && d.sentiment.length > 0 ? (
            <ShareBar parts={d.sentiment.map(([label, value]) => ({ key: SENTIMENT_KEYS[label] ?? "neutral", label: label.charAt(0).toUpperCase() + label.slice(1), value }))} />
          ) : (
            <p className="faint">{none("No sentiment recorded in this period.")}</p>
          )}
        </section>
        <section className="card chart-card" data-testid="an-phrases">
          <div className="chart-head">
            <h2>What contacts said most</h2>
          </div>
          {d && d.top_phrases.length > 0 ? (
            <ul className="phrase-list">
              {d.top_phrases.map(([p, n]) => (
                <li key={p}>
                  <a className="phrase" href={href("calls", { search: p })} title="Find the calls where it was said" data-testid="an-phrase">
                    {p}
                  </a>
                  <span className="tabular muted">{n}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="faint">{none("Nothing said twice yet in this period.")}</p>
          )}
        </section>
      </div>
    </div>
  );
}

function GroupTable({ title, rows, testId, empty }: { title: string; rows: AnalyticsRow[]; testId: string; empty: string }) {
  return (
    <section className="card chart-card" data-testid={testId}>
      <div className="chart-head">
        <h2>{title}</h2>
      </div>
      {rows.length === 0 ? (
        <p className="faint">{empty}</p>
      ) : (
        <div className="table-scroll">
        <table className="table table-compact an-table">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Dials</th>
              <th className="num">Connect</th>
              <th className="num">Success</th>
              <th className="num">Avg</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((g) => (
              <tr key={g.key}>
                <td className="cell-ellipsis">{g.name || `#${g.key}`}</td>
                <td className="num tabular">{g.dials.toLocaleString()}</td>
                <td className="num tabular">{percent(g.connect_rate)}</td>
                <td className="num tabular">{percent(g.success_rate)}</td>
                <td className="num tabular">{g.avg_duration_s == null ? "–" : clock(g.avg_duration_s)}</td>
                <td className="num tabular">{money(g.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}
