// A supervisor's actions on a call in flight: whisper to the agent, end the call (confirmed), transfer it
// to a person. Each goes to the call's provider through the API, which audits it.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, keys } from "../../api/client";
import { ApiError } from "../../api/error";
import type { BoardCall } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Modal } from "../../components/Modal";
import { useUi } from "../../state/ui";

function useCallAction<A>(call: BoardCall, run: (a: A) => Promise<BoardCall>, done: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => {
      useUi.getState().toast({ kind: "success", title: done });
      void qc.invalidateQueries({ queryKey: keys.call(call.id), exact: true });
    },
  });
}

export function WhisperForm({ call, onDone }: { call: BoardCall; onDone(): void }) {
  const [text, setText] = useState("");
  const m = useCallAction(call, (t: string) => api.calls.whisper(call.id, t), "Guidance sent to the agent");
  const err = m.error ? ApiError.from(m.error) : null;
  return (
    <form
      className="whisper"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) m.mutate(text.trim(), { onSuccess: onDone });
      }}
      data-testid="whisper-form"
    >
      <label className="field-label" htmlFor="whisper-text">
        Whisper to the agent <span className="faint">· the contact does not hear this</span>
      </label>
      <div className="whisper-row">
        <input
          id="whisper-text"
          className="input"
          placeholder="e.g. Offer the weekend slot; don't mention pricing"
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={1000}
          autoFocus
          data-testid="whisper-text"
        />
        <button className="btn btn-primary" disabled={!text.trim() || m.isPending} data-testid="whisper-send">
          {m.isPending ? "Sending…" : "Send"}
        </button>
      </div>
      {err && (
        <div className="form-alert" role="alert">
          <span className="code-pill">{err.code}</span>
          <span>{err.message}</span>
        </div>
      )}
    </form>
  );
}

export function HangUpDialog({ call, onClose }: { call: BoardCall; onClose(): void }) {
  const m = useCallAction(call, () => api.calls.hangUp(call.id), "Call ended");
  return (
    <ConfirmDialog
      title="End this call?"
      danger
      confirmLabel="End call"
      body={
        <p>
          The call with <strong>{call.contact_name || call.contact_phone || `#${call.id}`}</strong> is hung up now, for
          both the agent and the contact. It is recorded as ended by a supervisor.
        </p>
      }
      onConfirm={() => m.mutateAsync(undefined)}
      onClose={onClose}
    />
  );
}

const TRANSFER_KEY = "callboard.transferNumber";

export function TransferDialog({ call, onClose }: { call: BoardCall; onClose(): void }) {
  const [to, setTo] = useState(() => localStorage.getItem(TRANSFER_KEY) ?? "");
  const m = useCallAction(call, (n: string) => api.calls.transfer(call.id, n), "Call transferred");
  const err = m.error ? ApiError.from(m.error) : null;
  const submit = () =>
    m.mutate(to.trim(), {
      onSuccess: () => {
        localStorage.setItem(TRANSFER_KEY, to.trim());
        onClose();
      },
    });
  return (
    <Modal
      title="Transfer to a person"
      description="The AI agent leaves the call and the contact is connected to this number."
      onClose={onClose}
      locked={m.isPending}
      width={440}
      testId="transfer-dialog"
      footer={
        <>
          <button className="btn btn-secondary" onClick={onClose} disabled={m.isPending}>
            Cancel
          </button>
          <button className="btn btn-primary" onClick={submit} disabled={!to.trim() || m.isPending} data-testid="transfer-ok">
            {m.isPending ? "Transferring…" : "Transfer call"}
          </button>
        </>
      }
    >
      <div className="field">
        <label className="field-label" htmlFor="transfer-to">
          Number
        </label>
        <input
          id="transfer-to"
          className="input mono"
          placeholder="+15551234567"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && submit()}
          data-testid="transfer-to"
        />
        <span className="field-hint">International format, with the country code.</span>
      </div>
      {err && (
        <div className="form-alert" role="alert" data-testid="form-error">
          <span className="code-pill">{err.code}</span>
          <span>{err.message}</span>
        </div>
      )}
    </Modal>
  );
}
