// "Talk to agent": a test conversation with an agent profile through this computer's microphone and
// speakers (see session.ts). Pick an agent, Start, talk; the transcript (both sides) and the agent's tool
// calls appear as they happen. Nobody is dialled; the conversation is kept in the audit log.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, keys } from "../../api/client";
import type { Agent } from "../../api/types";
import { Modal } from "../../components/Modal";
import { AGENT_PROVIDER_LABELS } from "../../lib/labels";
import type { TalkDeps, TalkLine, TalkSnapshot } from "./session";
import "./talk.css";
import { useTalk } from "./useTalk";

const IconMic = () => (
  <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" aria-hidden="true">
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3" />
  </svg>
);

const PHASE_WORDS: Record<TalkSnapshot["phase"], string> = {
  idle: "Not connected",
  starting: "Opening the microphone and connecting to the agent…",
  live: "Live: speak, then pause to let the agent answer",
  ending: "Hanging up…",
  ended: "The conversation ended",
  error: "The conversation could not continue",
};

export function TalkPanel({ onClose, deps }: { onClose(): void; deps?: () => TalkDeps }) {
  const agents = useQuery({ queryKey: keys.agents, queryFn: api.agents.list });
  const talk = useTalk(deps);
  const [agentId, setAgentId] = useState<number | null>(null);
  const list = agents.data ?? [];
  const chosen = agentId ?? list[0]?.id ?? null;
  const { snap } = talk;
  const busy = snap.phase === "starting" || snap.phase === "live" || snap.phase === "ending";
  const agent = list.find((a) => a.id === (snap.agentId ?? chosen));

  return (
    <Modal
      title="Talk to agent"
      description="A test conversation through this computer's microphone and speakers. Nobody is called; it is kept in the audit log."
      onClose={onClose}
      width={640}
      testId="talk-panel"
      footer={
        <>
          <button className="btn btn-ghost" onClick={onClose}>
            Close
          </button>
          {busy ? (
            <button className="btn btn-danger" onClick={talk.stop} disabled={snap.phase === "ending"} data-testid="talk-stop">
              Stop
            </button>
          ) : (
            <button className="btn btn-primary" onClick={() => chosen != null && talk.start(chosen)} disabled={chosen == null} data-testid="talk-start">
              <IconMic /> {snap.phase === "idle" ? "Start" : "Start again"}
            </button>
          )}
        </>
      }
    >
      <TalkView snap={snap} agents={list} chosen={chosen} onChoose={setAgentId} locked={busy} agent={agent} loading={agents.isLoading} />
    </Modal>
  );
}

export function TalkView({
  snap,
  agents,
  chosen,
  onChoose,
  locked,
  agent,
  loading,
}: {
  snap: TalkSnapshot;
  agents: Agent[];
  chosen: number | null;
  onChoose(id: number): void;
  locked: boolean;
  agent: Agent | undefined;
  loading?: boolean;
}) {
  const bars = 16;
  const lit = Math.min(bars, Math.round(Math.sqrt(snap.level) * bars * 1.6));
  return (
    <div className="talk">
      <label className="field">
        <span className="field-label">Agent</span>
        <select
          className="input select"
          value={chosen ?? ""}
          onChange={(e) => onChoose(Number(e.target.value))}
          disabled={locked || agents.length === 0}
          data-testid="talk-agent"
        >
          {agents.length === 0 && <option value="">{loading ? "Loading agents…" : "No agent profiles yet"}</option>}
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} · {AGENT_PROVIDER_LABELS[a.provider] ?? a.provider}
            </option>
          ))}
        </select>
      </label>

      <div
        className={`listen-panel talk-status talk-${snap.phase}`}
        data-testid="talk-status"
        data-phase={snap.phase}
        data-sent={snap.sent}
        data-received={snap.received}
        data-backend={snap.backend ?? ""}
        role="status"
      >
        <IconMic />
        <div className="listen-text">
          <strong>{PHASE_WORDS[snap.phase]}</strong>
          <span className="muted tabular">
            {snap.sent.toLocaleString()} frames sent · {snap.received.toLocaleString()} received
            {snap.interruptions ? ` · interrupted ${snap.interruptions}×` : ""}
            {snap.endedReason && snap.phase === "ended" ? ` · ${snap.endedReason}` : ""}
          </span>
        </div>
        <div className="meter" aria-label="Microphone level" data-testid="talk-meter">
          {Array.from({ length: bars }, (_, i) => (
            <span key={i} className={i < lit ? "on" : ""} />
          ))}
        </div>
      </div>

      {snap.error && (
        <div className="form-alert talk-error" role="alert" data-testid="talk-error" data-code={snap.error.code}>
          <span className="code-pill mono">{snap.error.code}</span>
          <span>{snap.error.message}</span>
        </div>
      )}
      {snap.backend === "sim" && agent && agent.provider !== "sim" && (
        <p className="field-hint" data-testid="talk-simulated">
          This is a simulated {AGENT_PROVIDER_LABELS[agent.provider] ?? agent.provider} agent (the demo has no account): it speaks its
          script and cannot understand words; talk, pause, and it answers.
        </p>
      )}
      {snap.backend === "sim" && agent?.provider === "sim" && (
        <p className="field-hint">A simulated agent: it speaks its script and cannot understand words; talk, pause, and it answers.</p>
      )}
      <Lines lines={snap.lines} agentName={agent?.name ?? "Agent"} live={snap.phase === "live"} />
    </div>
  );
}

function Lines({ lines, agentName, live }: { lines: TalkLine[]; agentName: string; live: boolean }) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "nearest" });
  }, [lines.length]);
  if (lines.length === 0) {
    return (
      <p className="faint transcript-empty" data-testid="talk-empty">
        {live ? "Listening… the agent's words and yours appear here." : "Press Start and speak; the transcript appears here."}
      </p>
    );
  }
  return (
    <div className="transcript" data-testid="talk-transcript" data-turns={lines.length}>
      {lines.map((l, i) =>
        l.kind === "turn" ? (
          <div key={i} className={`turn turn-${l.role}`} data-testid="talk-turn" data-role={l.role}>
            <div className="turn-head">
              <span className="turn-who">{l.role === "agent" ? agentName : "You"}</span>
            </div>
            <div className="turn-text" dir="auto">
              {l.text}
            </div>
          </div>
        ) : (
          <div key={i} className={l.failed ? "talk-tool talk-tool-failed" : "talk-tool"} data-testid="talk-tool" data-name={l.name} data-failed={l.failed ? "true" : undefined}>
            <span className="talk-tool-name mono">{l.name}</span>
            <code className="talk-tool-args">{compact(l.parameters)}</code>
            {l.result && <span className="faint"> → {l.result}</span>}
          </div>
        ),
      )}
      <div ref={end} />
    </div>
  );
}

function compact(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s.length > 160 ? `${s.slice(0, 157)}…` : s;
  } catch {
    return String(v);
  }
}
