import type { CampaignStatus } from "../../api/types";
import type { Transition } from "./useCampaignActions";

/** The one life-cycle step a row offers for a status. */
export function nextStep(s: CampaignStatus): { step: Transition; label: string } | null {
  switch (s) {
    case "draft":
    case "scheduled":
      return { step: "start", label: "Start" };
    case "running":
      return { step: "pause", label: "Pause" };
    case "paused":
      return { step: "resume", label: "Resume" };
    default:
      return null;
  }
}

export function formatRate(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 2 : 1).replace(/0$/, "");
}
