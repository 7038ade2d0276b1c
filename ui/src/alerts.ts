// Engine alerts (`alert` events) as toasts.

import type { QueryClient } from "@tanstack/react-query";
import { api, keys } from "./api/client";
import type { AttentionItem, Campaign, CampaignEvent } from "./api/types";
import { alertLabel } from "./lib/labels";
import { isTauri } from "./platform/tauri";
import { useUi } from "./state/ui";

/**
 * An engine alert (a tripped breaker, a stuck call, …) as a toast naming its campaign. The name comes from
 * the cache; a campaign this tab has not loaded is asked for (and the toast shows without a name if that fails).
 */
/** Signature failures spiking on a provider's route: most likely a wrong or rotated webhook secret. */
export function showWebhookAlert(e: Extract<CampaignEvent, { type: "webhook_alert" }>): void {
  useUi.getState().toast({
    kind: "warning",
    title: `Webhooks rejected · ${e.provider}`,
    message: `${e.message} See Settings › Webhooks.`,
    code: "webhook_alert",
  });
}

export async function showAlert(qc: QueryClient, e: Extract<CampaignEvent, { type: "alert" }>): Promise<void> {
  const id = e.campaign_id;
  let campaign =
    id == null
      ? undefined
      : (qc.getQueryData<Campaign[]>(keys.campaigns)?.find((c) => c.id === id) ?? qc.getQueryData<Campaign>(keys.campaign(id)));
  if (id != null && !campaign) campaign = await api.campaigns.get(id).catch(() => undefined);
  const what = alertLabel(e.kind);
  useUi.getState().toast({
    kind: "warning",
    title: campaign ? `${what} · ${campaign.name}` : id != null ? `${what} · campaign #${id}` : what,
    message: e.message,
    code: e.kind,
  });
}

/** Where the "notify me" preference lives (on unless turned off in Settings). */
export const NOTIFY_KEY = "callboard.notifyAttention";

export function notificationsWanted(): boolean {
  try {
    return localStorage.getItem(NOTIFY_KEY) !== "off";
  } catch {
    return true;
  }
}

/**
 * A system notification for a newly raised "needs attention" item (not for repeats or acknowledgements),
 * when the user allowed notifications and did not turn them off in Settings.
 */
export function notifyAttention(item: AttentionItem): boolean {
  // In the desktop app the shell shows native notifications itself (rate-limited, Settings › alerts).
  if (isTauri()) return false;
  if (item.acked_at || item.count > 1 || !notificationsWanted()) return false;
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return false;
  try {
    new Notification(`Callboard · ${item.title}`, { body: item.message, tag: `attention-${item.id}` });
    return true;
  } catch {
    return false;
  }
}
