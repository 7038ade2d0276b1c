// The "Talk to agent" button (Live page header) and the panel it opens.

import { useState } from "react";
import { IconHeadphones } from "../../components/Icons";
import { TalkPanel } from "./TalkPanel";
import "./talk.css";

export function TalkLauncher() {
  const [open, setOpen] = useState(false);
  return (
    <div className="talk-launch">
      <button className="btn btn-secondary btn-sm" onClick={() => setOpen(true)} data-testid="talk-open" title="Hold a test conversation with an agent profile">
        <IconHeadphones /> Talk to agent
      </button>
      {open && <TalkPanel onClose={() => setOpen(false)} />}
    </div>
  );
}
