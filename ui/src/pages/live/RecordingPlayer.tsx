// A finished call's recording in the drawer: the browser's own player (seeking uses the listener's Range
// support) and a download link.

import { platform } from "../../platform";

export function RecordingPlayer({ callId }: { callId: number }) {
  const url = platform().recordingUrl?.(callId);
  if (!url) return <span className="faint">Kept in the data folder (open the console in a browser to play it)</span>;
  return (
    <div className="recording-player" data-testid="recording-player">
      <audio controls preload="metadata" src={url} aria-label={`Recording of call ${callId}`} />
      <a className="btn btn-ghost btn-sm" href={url} download>
        Download
      </a>
    </div>
  );
}
