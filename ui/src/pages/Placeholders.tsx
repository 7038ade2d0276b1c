// Pages whose features are still being built: each says what it will hold, so the console reads as one product.

import { EmptyState } from "../components/EmptyState";
import { IconAnalytics } from "../components/Icons";
import { href } from "../lib/router";

const toCampaigns = (
  <a className="btn btn-secondary" href={href("campaigns")}>
    Go to campaigns
  </a>
);

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
