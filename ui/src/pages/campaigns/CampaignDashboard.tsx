import { useQuery } from "@tanstack/react-query";
import { api, keys } from "../../api/client";
import type { Campaign } from "../../api/types";
import { ShareBar, Sparkline } from "../../components/Charts";
import { outcomeLabel, percent } from "../../lib/callLabels";

/** While a campaign runs its figures are refetched this often (and on every change event for it). */
export const STATS_REFRESH_MS = 5_000;

const ORDER = ["in_flight", "answered", "transferred", "voicemail", "no_answer", "busy", "failed", "cancelled"];

function rank(outcome: string): number {
  const i = ORDER.indexOf(outcome);
  return i < 0 ? ORDER.length : i;
}

/** The campaign's live dashboard: calls by outcome, pace, connect and success rates. */
export function CampaignDashboard({ campaign: c }: { campaign: Campaign }) {
  const running = c.status === "running";
  const s = useQuery({
    queryKey: keys.campaignStats(c.id),
    queryFn: () => api.stats.campaign(c.id),
    staleTime: 2_000,
    refetchInterval: running ? STATS_REFRESH_MS : false,
  });
  // A campaign that never dialed has nothing to chart; the progress block says enough.
  if (!s.data || s.data.totals.dials === 0) return null;
  const d = s.data;
  const parts = [...d.by_outcome]
    .sort((a, b) => rank(a.outcome) - rank(b.outcome))
    .map((o) => ({ key: o.outcome, label: outcomeLabel(o.outcome), value: o.count }));
  return (
    <section className="dash" data-testid="campaign-dashboard">
      <div className="dash-tiles">
        <div className="dash-tile">
          <div className="dash-label">Calls / min</div>
          <div className="dash-value tabular" data-testid="dash-cpm">
            {d.calls_per_minute.toFixed(1)}
          </div>
          <Sparkline values={d.per_minute.map((b) => b.dials)} label="Dials per minute, last 30 minutes" />
        </div>
        <div className="dash-tile">
          <div className="dash-label">Connect rate</div>
          <div className="dash-value tabular" data-testid="dash-connect">
            {percent(d.connect_rate)}
          </div>
          <div className="dash-sub">
            {d.totals.connects.toLocaleString()} of {(d.totals.dials - d.totals.in_flight).toLocaleString()} ended
          </div>
        </div>
        <div className="dash-tile">
          <div className="dash-label">Success rate</div>
          <div className="dash-value tabular" data-testid="dash-success">
            {percent(d.success_rate)}
          </div>
          <div className="dash-sub">{d.totals.successes.toLocaleString()} of connects</div>
        </div>
      </div>
      <ShareBar parts={parts} />
    </section>
  );
}
