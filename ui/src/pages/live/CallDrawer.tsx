import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import { isInFlight } from "../../api/live";
import type { BoardCall, CallDetail, Capabilities } from "../../api/types";
import { Drawer } from "../../components/Drawer";
import { IconHeadphones } from "../../components/Icons";
import { providerLabel } from "../../lib/labels";
import { absoluteTime, timeOfDay } from "../../lib/time";
import { AgentPanel } from "./AgentPanel";
import { HangUpDialog, TransferDialog, WhisperForm } from "./CallActions";
import { CallResults } from "./CallResults";
import { ContactDetails } from "./ContactDetails";
import { DisclosureStatus } from "./DisclosureStatus";
import { RecordingPlayer } from "./RecordingPlayer";
import { CallStatusBadge, Duration, Sentiment } from "./CallRow";
import { useListen, type Listen } from "./listen";

type Dialog = "hang_up" | "transfer" | null;

/** Why an action is off, or null when it can be used. */
export function actionBlock(call: BoardCall, caps: Capabilities, action: keyof Capabilities): string | null {
  if (!isInFlight(call.status)) return "The call has ended";
  if (!caps[action]) {
    const what = { hang_up: "end calls", whisper: "whisper to the agent", transfer: "transfer calls" }[action];
    return `${providerLabel(call.provider)} cannot ${what} from here`;
  }
  if ((action === "whisper" || action === "transfer") && call.status !== "in_progress") return "Only once the call is answered";
  return null;
}

/** One call, live: transcript, timeline, contact, and the supervisor's controls. */
export function CallDrawer({ callId, onClose }: { callId: number; onClose(): void }) {
  const detail = useQuery({ queryKey: keys.call(callId), queryFn: () => api.calls.get(callId), staleTime: 1_000 });
  const listen = useListen(callId);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [whisperOpen, setWhisperOpen] = useState(false);
  const d = detail.data;
  const call = d?.call;
  const live = call ? isInFlight(call.status) : false;
  const { stop } = listen;
  useEffect(() => {
    if (!live) stop();
  }, [live, stop]);

  const title = call ? call.contact_name || call.contact_phone || `Call #${call.id}` : `Call #${callId}`;
  return (
    <Drawer
      wide
      title={title}
      subtitle={
        call && (
          <>
            <CallStatusBadge status={call.status} />
            <span className="muted tabular" data-testid="drawer-duration">
              <Duration call={call} />
            </span>
            <span className="muted">
              Call #{call.id}
              {call.campaign_name ? ` · ${call.campaign_name}` : ""}
            </span>
          </>
        )
      }
      onClose={onClose}
      // A finished call has nothing to act on: no buttons that can only be disabled.
      footer={d && live && <Controls detail={d} listen={listen} onDialog={setDialog} onWhisper={() => setWhisperOpen((o) => !o)} />}
    >
      {detail.isPending && <span className="skeleton-text" aria-busy="true" />}
      {detail.isError && (
        <div className="form-alert" role="alert">
          <span className="code-pill">{ApiError.from(detail.error).code}</span>
          <span>{ApiError.from(detail.error).message}</span>
        </div>
      )}
      {d && call && (
        <>
          {listen.state !== "off" && <ListenPanel listen={listen} />}
          {whisperOpen && <WhisperForm call={call} onDone={() => setWhisperOpen(false)} />}
          <div className="call-grid">
            <section>
              <h3 className="drawer-section drawer-section-first">Transcript</h3>
              <Transcript detail={d} live={live} />
            </section>
            <section>
              <h3 className="drawer-section drawer-section-first">Timeline</h3>
              <ol className="timeline" data-testid="call-timeline">
                {d.timeline.map((t, i) => (
                  <li key={`${t.at}-${i}`} className={`tl tl-${t.source}`} data-source={t.source}>
                    <span className="tl-dot" aria-hidden="true" />
                    <div className="tl-body">
                      <div className="tl-label">{t.label}</div>
                      {t.detail && <div className="tl-detail">{t.detail}</div>}
                    </div>
                    <time className="tl-time tabular" dateTime={t.at} title={absoluteTime(t.at)}>
                      {timeOfDay(t.at)}
                    </time>
                  </li>
                ))}
              </ol>
            </section>
          </div>
          <AgentPanel callId={call.id} live={live} />
          <h3 className="drawer-section">Contact</h3>
          <ContactDetails detail={d} />
          <h3 className="drawer-section">Call</h3>
          <dl className="kv">
            <dt>Agent</dt>
            <dd>{call.agent_name ?? <span className="faint">None</span>}</dd>
            <dt>Provider</dt>
            <dd>
              {providerLabel(call.provider)}
              {call.provider_call_id && <div className="dd-sub mono">{call.provider_call_id}</div>}
            </dd>
            <dt>Outcome</dt>
            <dd>{call.outcome ? call.outcome.replace(/_/g, " ") : <span className="faint">Not ended</span>}</dd>
            <dt>Disposition</dt>
            <dd>{call.disposition ?? <span className="faint">–</span>}</dd>
            <dt>Sentiment</dt>
            <dd>
              <Sentiment value={call.sentiment} />
            </dd>
            {d.summary && (
              <>
                <dt>Summary</dt>
                <dd>{d.summary}</dd>
              </>
            )}
            <DisclosureStatus detail={d} live={live} />
            {d.has_recording && (
              <>
                <dt>Recording</dt>
                <dd>
                  <RecordingPlayer callId={call.id} />
                </dd>
              </>
            )}
            {call.cost != null && (
              <>
                <dt>Cost</dt>
                <dd className="tabular">${call.cost.toFixed(2)}</dd>
              </>
            )}
            {d.results.credits != null && (
              <>
                <dt>Credits</dt>
                <dd className="tabular" data-testid="call-credits">
                  {d.results.credits.toLocaleString()} ElevenLabs credits
                </dd>
              </>
            )}
            {d.results.termination_reason && (
              <>
                <dt>Ended because</dt>
                <dd>{d.results.termination_reason}</dd>
              </>
            )}
          </dl>
          <CallResults results={d.results} />
        </>
      )}
      {dialog === "hang_up" && call && <HangUpDialog call={call} onClose={() => setDialog(null)} />}
      {dialog === "transfer" && call && <TransferDialog call={call} onClose={() => setDialog(null)} />}
    </Drawer>
  );
}

function Controls({
  detail: d,
  listen,
  onDialog,
  onWhisper,
}: {
  detail: CallDetail;
  listen: Listen;
  onDialog(d: Dialog): void;
  onWhisper(): void;
}) {
  const c = d.call;
  const listenBlock = !isInFlight(c.status)
    ? "The call has ended"
    : !d.listenable
      ? "No live audio for this call (yet): it starts when the call is answered"
      : null;
  const listening = listen.state === "playing" || listen.state === "connecting";
  const hang = actionBlock(c, d.capabilities, "hang_up");
  const whisper = actionBlock(c, d.capabilities, "whisper");
  const transfer = actionBlock(c, d.capabilities, "transfer");
  return (
    <>
      <Guarded reason={listening ? null : listenBlock}>
        <button
          className={`btn ${listening ? "btn-primary" : "btn-secondary"}`}
          onClick={listening ? listen.stop : listen.start}
          disabled={!listening && !!listenBlock}
          data-testid="call-listen"
          aria-pressed={listening}
        >
          <IconHeadphones /> {listening ? "Stop listening" : "Listen"}
        </button>
      </Guarded>
      <Guarded reason={whisper}>
        <button className="btn btn-secondary" onClick={onWhisper} disabled={!!whisper} data-testid="call-whisper">
          Whisper
        </button>
      </Guarded>
      <Guarded reason={transfer}>
        <button className="btn btn-secondary" onClick={() => onDialog("transfer")} disabled={!!transfer} data-testid="call-transfer">
          Transfer
        </button>
      </Guarded>
      <div className="toolbar-spacer" />
      <Guarded reason={hang}>
        <button className="btn btn-danger" onClick={() => onDialog("hang_up")} disabled={!!hang} data-testid="call-hang-up">
          End call
        </button>
      </Guarded>
    </>
  );
}

/** A disabled button shows no tooltip of its own in most browsers; the wrapper carries it. */
function Guarded({ reason, children }: { reason: string | null; children: ReactNode }) {
  return (
    <span className="guard" title={reason ?? undefined} data-blocked={reason ? "true" : undefined}>
      {children}
    </span>
  );
}

function ListenPanel({ listen: l }: { listen: Listen }) {
  const words: Record<string, string> = {
    connecting: "Connecting to the call's audio…",
    playing: "Listening live",
    ended: "The call's audio ended",
    error: l.error ?? "Cannot listen",
    off: "",
  };
  const bars = 16;
  const lit = Math.min(bars, Math.round(Math.sqrt(l.level) * bars * 1.6));
  return (
    <div
      className={`listen-panel listen-${l.state}`}
      data-testid="listen-panel"
      data-state={l.state}
      data-frames={l.frames}
      role="status"
    >
      <IconHeadphones />
      <div className="listen-text">
        <strong>{words[l.state]}</strong>
        <span className="muted tabular">
          {l.frames.toLocaleString()} frames · {Math.round(l.behind * 1000)} ms buffered
          {l.dropped ? ` · ${l.dropped} skipped to keep up` : ""}
        </span>
      </div>
      <div className="meter" aria-hidden="true">
        {Array.from({ length: bars }, (_, i) => (
          <span key={i} className={i < lit ? "on" : ""} />
        ))}
      </div>
    </div>
  );
}

function Transcript({ detail: d, live }: { detail: CallDetail; live: boolean }) {
  const end = useRef<HTMLDivElement>(null);
  const n = d.transcript.length;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "nearest" });
  }, [n]);
  if (n === 0) {
    return (
      <p className="faint transcript-empty" data-testid="transcript-empty">
        {live ? "Nothing said yet. Turns appear here as they are spoken." : "No transcript for this call."}
      </p>
    );
  }
  return (
    <div className="transcript" data-testid="transcript" data-turns={n}>
      {d.transcript.map((t, i) => (
        <div key={i} className={`turn turn-${t.role === "agent" ? "agent" : "contact"}`} data-testid="transcript-turn">
          <div className="turn-head">
            <span className="turn-who">{t.role === "agent" ? (d.call.agent_name ?? "Agent") : (d.call.contact_name || "Contact")}</span>
            <time className="turn-time tabular" dateTime={t.at}>
              {timeOfDay(t.at)}
            </time>
          </div>
          <div className="turn-text">{t.text}</div>
        </div>
      ))}
      {live && (
        <div className="turn-typing faint" aria-hidden="true">
          <span className="live-dot" /> live
        </div>
      )}
      <div ref={end} />
    </div>
  );
}
