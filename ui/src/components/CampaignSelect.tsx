// The "All campaigns / <campaign>" filter of the list pages (Contacts, Calls, Analytics).

import { useQuery } from "@tanstack/react-query";
import { api, keys } from "../api/client";

export function CampaignSelect({ value, onChange, testId, label = "Filter by campaign" }: { value: number | null; onChange(id: number | null): void; testId: string; label?: string }) {
  const campaigns = useQuery({ queryKey: keys.campaigns, queryFn: api.campaigns.list });
  return (
    <select className="input select toolbar-select" aria-label={label} value={value ?? ""} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)} data-testid={testId}>
      <option value="">All campaigns</option>
      {(campaigns.data ?? []).map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </select>
  );
}
