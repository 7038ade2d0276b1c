import { useQuery } from "@tanstack/react-query";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { BarSeries, Sparkline } from "../../components/Charts";
import { clock, money, percent } from "../../lib/callLabels";
import { href } from "../../lib/router";
import { attentionQuery } from "../attention/AttentionPage";

/** Local midnight, as the start of "today". */
export function startOfToday(now = new Date()): string {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

const hourLabel = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
};

export function OverviewPage() {
  const since = startOfToday();
  const o = useQuery({
    queryKey: keys.overview,
    queryFn: () => api.stats.overview(since),
    refetchInterval: 10_000,
  });
  if (o.isPending) {
    return (
      <div className="page">
        <div className="stats stats-5">
          {Array.from({ length: 5 }, (_, i) => (
            <div className="stat" key={i}>
              <span className="skeleton-text" />
            </div>
          ))}
        </div>
      </div>
    );
  }
  if (o.isError) {
    const err = ApiError.from(o.error);
    return (
      <div className="page">
        <div className="card card-error" role="alert">
          <div className="card-error-title">
            Could not load today's figures <span className="code-pill">{err.code}</span>
          </div>
          <p className="muted">{err.message}</p>
        </div>
      </div>
    );
  }
  const d = o.data;
  const t = d.totals;
  const hourly = d.hourly;
  return (
    <div className="page" data-testid="overview-page">
      <div className="stats stats-5">
        <Kpi label="Dials" value={t.dials.toLocaleString()} note={`${t.in_flight} in flight now`} series={hourly.map((b) => b.dials)} testId="kpi-dials" />
        <Kpi label="Connects" value={t.connects.toLocaleString()} note={`${percent(d.connect_rate)} connect rate`} series={hourly.map((b) => b.connects)} testId="kpi-connects" />
        <Kpi label="Successes" value={t.successes.toLocaleString()} note={`${percent(d.success_rate)} of connects`} series={hourly.map((b) => b.successes)} testId="kpi-successes" />
        <Kpi label="Avg duration" value={t.avg_duration_s == null ? "–" : clock(t.avg_duration_s)} note="of connected calls" testId="kpi-duration" />
        <Kpi label="Cost" value={money(t.cost)} note={t.connects ? `${money(t.cost / Math.max(1, t.successes))} per success` : "no calls yet"} testId="kpi-cost" />
      </div>
      <div className="overview-grid">
        <section className="card chart-card">
          <div className="chart-head">
            <h2>Today, by hour</h2>
            <Legend />
          </div>
          <BarSeries buckets={hourly} label="Dials, connects and successes per hour today" format={hourLabel} />
        </section>
        <section className="card chart-card">
          <div className="chart-head">
            <h2>Last 30 minutes</h2>
            <span className="muted">
              {d.running_campaigns} running campaign{d.running_campaigns === 1 ? "" : "s"} ·{" "}
              <a className="link" href={href("live")}>
                open the board
              </a>
            </span>
          </div>
          <BarSeries buckets={d.per_minute} label="Dials per minute, last 30 minutes" format={hourLabel} />
        </section>
        <RunningCampaigns />
        <OpenAttention />
      </div>
    </div>
  );
}

function RunningCampaigns() {
  const campaigns = useQuery({ queryKey: keys.campaigns, queryFn: api.campaigns.list });
  const active = (campaigns.data ?? []).filter((c) => c.status === "running" || c.status === "paused");
  return (
    <section className="card chart-card">
      <div className="chart-head">
        <h2>Campaigns at work</h2>
        <a className="link" href={href("campaigns")}>
          All campaigns
        </a>
      </div>
      {active.length === 0 ? (
        <p className="faint">No campaign is running. Start one from Campaigns.</p>
      ) : (
        <ul className="mini-list">
          {active.map((c) => {
            const pct = c.contacts ? Math.floor((c.completed / c.contacts) * 100) : 0;
            return (
              <li key={c.id}>
                <div className="mini-head">
                  <span className="cell-ellipsis">
                    {c.status === "running" ? <span className="live-dot" aria-hidden="true" /> : <span className="reason-dot reason-paused" aria-hidden="true" />}{" "}
                    {c.name}
                  </span>
                  <span className="muted tabular">
                    {c.completed}/{c.contacts}
                  </span>
                </div>
                <div className="progress" role="progressbar" aria-label={`${c.name} progress`} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
                  <div className={`progress-bar${c.status === "running" ? " is-live" : ""}`} style={{ width: `${pct}%` }} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function OpenAttention() {
  const list = useQuery({ ...attentionQuery(), staleTime: Infinity });
  const open = (list.data?.items ?? []).filter((i) => !i.acked_at).slice(0, 4);
  return (
    <section className="card chart-card">
      <div className="chart-head">
        <h2>Needs attention</h2>
        <a className="link" href={href("attention")}>
          {list.data?.open ? `See all ${list.data.open}` : "Open the list"}
        </a>
      </div>
      {open.length === 0 ? (
        <p className="faint">Nothing open. Stuck calls, tripped breakers and opt-outs show up here.</p>
      ) : (
        <ul className="mini-list">
          {open.map((i) => (
            <li key={i.id} className={`mini-alert sev-${i.severity}`}>
              <strong>{i.title}</strong> <span className="muted cell-ellipsis">{i.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Legend() {
  return (
    <span className="chart-legend">
      <span>
        <i className="lg lg-dials" /> Dials
      </span>
      <span>
        <i className="lg lg-connects" /> Connects
      </span>
      <span>
        <i className="lg lg-successes" /> Successes
      </span>
    </span>
  );
}

export function Kpi({ label, value, note, series, testId }: { label: string; value: string; note: string; series?: number[]; testId: string }) {
  return (
    <div className="stat kpi" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      <div className="kpi-foot">
        <span className="stat-note">{note}</span>
        {series && <Sparkline values={series} label={`${label} per hour`} />}
      </div>
    </div>
  );
}
