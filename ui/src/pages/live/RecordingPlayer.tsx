// A finished call's recording in the drawer: the browser's own player (seeking uses the listener's Range
// support) and, where the page may offer one, a download link. The desktop window plays it from the UI
// listener as well.

import { useQuery } from "@tanstack/react-query";
import { platform } from "../../platform";

export function RecordingPlayer({ callId }: { callId: number }) {
  const source = useQuery({
    queryKey: ["recording-source", callId],
    queryFn: async () => (await platform().recording?.(callId)) ?? null,
    staleTime: Infinity,
  });
  if (source.isPending) return <span className="faint">Loading the recording…</span>;
  const s = source.data;
  if (!s) return <span className="faint">Kept in the data folder (recordings/call-{callId}.*)</span>;
  return (
    <div className="recording-player" data-testid="recording-player">
      <audio controls preload="metadata" src={s.url} aria-label={`Recording of call ${callId}`} />
      {s.downloadable && (
        <a className="btn btn-ghost btn-sm" href={s.url} download>
          Download
        </a>
      )}
    </div>
  );
}
