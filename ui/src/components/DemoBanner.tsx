import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, keys } from "../api/client";
import { ConfirmDialog } from "./ConfirmDialog";
import { IconAlert } from "./Icons";

/** Says, on every page, that this is demo data with simulated calls, and offers to leave demo mode. */
export function DemoBanner() {
  const qc = useQueryClient();
  const info = useQuery({ queryKey: keys.appInfo, queryFn: api.appInfo, staleTime: Infinity });
  const [confirming, setConfirming] = useState(false);
  if (!info.data?.demo) return null;
  const leave = async () => {
    await api.demo.leave();
    await qc.invalidateQueries();
  };
  return (
    <div className="banner banner-demo" role="status" data-testid="demo-banner">
      <IconAlert />
      <div className="banner-text">
        <strong>Demo mode.</strong> The campaigns, contacts and calls here are sample data; calls are placed by the
        built-in simulator, no provider is called and nothing costs money.
      </div>
      <button type="button" className="btn btn-secondary btn-sm" onClick={() => setConfirming(true)} data-testid="demo-leave">
        Leave demo
      </button>
      {confirming && (
        <ConfirmDialog
          title="Leave demo mode?"
          body={
            <p>
              This deletes the demo campaigns, their contacts and calls, and the demo agents. Anything you created
              yourself stays. You can start the demo again later.
            </p>
          }
          confirmLabel="Delete demo data"
          danger
          onConfirm={leave}
          onClose={() => setConfirming(false)}
        />
      )}
    </div>
  );
}
