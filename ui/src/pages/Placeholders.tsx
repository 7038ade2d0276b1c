// Pages whose features are still being built: each says what it will hold, so the console reads as one product.

import { EmptyState } from "../components/EmptyState";
import { IconAnalytics, IconCalls } from "../components/Icons";
import { href } from "../lib/router";

const toCampaigns = (
  <a className="btn btn-secondary" href={href("campaigns")}>
    Go to campaigns
  </a>
);

export function CallsPage() {
  return (
    <div className="page">
      <EmptyState
        icon={<IconCalls size={28} />}
        title="No finished calls yet"
        action={toCampaigns}
        features={[
          "Outcome, disposition, duration and cost of every call",
          "Transcript, summary, extracted data and sentiment",
          "Recordings with a player",
          "Search across transcripts; export to CSV or Excel",
        ]}
      >
        Every call your campaigns make lands here once it ends, with what was said and what came out of it.
      </EmptyState>
    </div>
  );
}

export function AnalyticsPage() {
  return (
    <div className="page">
      <EmptyState
        icon={<IconAnalytics size={28} />}
        title="Nothing to chart yet"
        action={toCampaigns}
        features={[
          "Dials, connect rate, success rate and average duration per campaign and agent",
          "Voicemail rate and cost per success over time",
          "Disposition and sentiment breakdowns, top phrases",
          "A “needs attention” list of calls for a human",
        ]}
      >
        How your campaigns perform, once they have made calls.
      </EmptyState>
    </div>
  );
}
