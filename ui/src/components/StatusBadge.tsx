import type { CampaignStatus } from "../api/types";
import { STATUS_LABELS } from "../lib/labels";

export function StatusBadge({ status, reason }: { status: CampaignStatus; reason?: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status} title={reason || undefined}>
      <span className="badge-dot" aria-hidden="true" />
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}
