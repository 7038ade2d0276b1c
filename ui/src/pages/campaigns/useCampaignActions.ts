import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { applyEvents } from "../../api/cache";
import { api } from "../../api/client";
import { ApiError } from "../../api/error";
import type { Campaign, CampaignInput } from "../../api/types";
import { useUi } from "../../state/ui";

export type Transition = "start" | "pause" | "resume" | "cancel";

/**
 * Campaign mutations. Each result goes straight into the cache through the same reducer the event stream
 * uses, so this tab updates at once even if its event stream is down; the event that follows is a no-op.
 */
export function useCampaignActions() {
  const qc = useQueryClient();
  const toast = useUi((s) => s.toast);
  return useMemo(() => {
    const changed = (campaign: Campaign) => applyEvents(qc, [{ type: "campaign_changed", campaign }]);
    return {
      async create(input: CampaignInput & { name: string }) {
        const c = await api.campaigns.create(input);
        changed(c);
        toast({ kind: "success", title: "Campaign created", message: c.name });
        return c;
      },
      async update(id: number, input: CampaignInput) {
        const c = await api.campaigns.update(id, input);
        changed(c);
        toast({ kind: "success", title: "Changes saved", message: c.name });
        return c;
      },
      async remove(c: Campaign) {
        await api.campaigns.delete(c.id);
        applyEvents(qc, [{ type: "campaign_deleted", id: c.id }]);
        toast({ kind: "success", title: "Campaign deleted", message: c.name });
      },
      /** Cancelling is final, so it goes through a confirm dialog, which shows the failure itself. */
      async cancel(c: Campaign) {
        changed(await api.campaigns.cancel(c.id));
        toast({ kind: "success", title: "Campaign cancelled", message: c.name });
      },
      /** Life-cycle steps report failures as toasts (there is no form to show them in). */
      async transition(c: Campaign, step: Transition) {
        try {
          changed(await api.campaigns[step](c.id));
        } catch (e) {
          const err = ApiError.from(e);
          toast({ kind: "error", title: `Cannot ${step} “${c.name}”`, message: err.message, code: err.code });
        }
      },
    };
  }, [qc, toast]);
}
