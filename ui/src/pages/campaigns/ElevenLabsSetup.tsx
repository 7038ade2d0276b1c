// A campaign's ElevenLabs setup (agent, phone number, call options) and, in batch mode, its batches with
// "retry failed + no-response" and cancel. Shown in the campaign drawer for the two ElevenLabs providers.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { BATCH_LIMITS, elKeys, elevenlabs, type ElCampaignSetup } from "../../api/elevenlabs";
import { ApiError } from "../../api/error";
import type { Campaign } from "../../api/types";

export function ElevenLabsSetup({ campaign }: { campaign: Campaign }) {
  const qc = useQueryClient();
  const id = campaign.id;
  const batchMode = campaign.provider === "elevenlabs-batch";
  const view = useQuery({ queryKey: elKeys.campaign(id), queryFn: () => elevenlabs.campaign(id) });
  const agents = useQuery({ queryKey: elKeys.agents, queryFn: elevenlabs.agents });
  const numbers = useQuery({ queryKey: elKeys.phoneNumbers, queryFn: elevenlabs.phoneNumbers });
  const [draft, setDraft] = useState<Partial<ElCampaignSetup>>({});
  const current = { ...view.data?.setup, ...draft };
  const refresh = () => qc.invalidateQueries({ queryKey: elKeys.campaign(id) });
  const save = useMutation({
    mutationFn: () => {
      const number = numbers.data?.find((n) => n.phone_number_id === current.phone_number_id);
      return elevenlabs.setCampaign({
        campaign_id: id,
        agent_id: current.agent_id ?? "",
        phone_number_id: current.phone_number_id ?? "",
        phone_kind: number?.provider === "sip_trunk" ? "sip_trunk" : "twilio",
        recording: current.recording ?? false,
        ringing_timeout_secs: current.ringing_timeout_secs ?? null,
        machine_detection: current.machine_detection ?? false,
        batch_size: current.batch_size ?? 1000,
      });
    },
    onSuccess: () => {
      setDraft({});
      void refresh();
    },
  });
  const retry = useMutation({ mutationFn: () => elevenlabs.retryFailed(id), onSuccess: refresh });
  const cancel = useMutation({ mutationFn: () => elevenlabs.cancelBatch(id), onSuccess: refresh });
  const editable = campaign.status !== "running" && campaign.status !== "completed" && campaign.status !== "cancelled";
  const error = [view.error, save.error, retry.error, cancel.error, agents.error].find(Boolean);
  const e = error ? ApiError.from(error) : null;

  return (
    <section data-testid="elevenlabs-setup">
      <h3 className="drawer-section">ElevenLabs</h3>
      {batchMode && (
        <p className="callout callout-warning" data-testid="elevenlabs-batch-limits">
          {BATCH_LIMITS}
        </p>
      )}
      {e && (
        <p className="field-error" role="alert" data-testid="elevenlabs-setup-error">
          {e.message}
        </p>
      )}
      <div className="form-grid">
        <label className="field-label">
          Agent
          <select
            className="input select"
            disabled={!editable}
            value={current.agent_id ?? ""}
            onChange={(ev) => setDraft((d) => ({ ...d, agent_id: ev.target.value }))}
            data-testid="elevenlabs-agent"
          >
            <option value="">Choose an agent…</option>
            {(agents.data ?? []).map((a) => (
              <option key={a.agent_id} value={a.agent_id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field-label">
          Phone number
          <select
            className="input select"
            disabled={!editable}
            value={current.phone_number_id ?? ""}
            onChange={(ev) => setDraft((d) => ({ ...d, phone_number_id: ev.target.value }))}
            data-testid="elevenlabs-number"
          >
            <option value="">Choose a number…</option>
            {(numbers.data ?? []).map((n) => (
              <option key={n.phone_number_id} value={n.phone_number_id}>
                {n.phone_number} {n.label ? `(${n.label})` : ""} · {n.provider ?? "?"}
              </option>
            ))}
          </select>
        </label>
        <label className="field-label">
          <input
            type="checkbox"
            disabled={!editable}
            checked={current.recording ?? false}
            onChange={(ev) => setDraft((d) => ({ ...d, recording: ev.target.checked }))}
            data-testid="elevenlabs-recording"
          />{" "}
          Keep recordings
        </label>
        <label className="field-label">
          <input
            type="checkbox"
            disabled={!editable}
            checked={current.machine_detection ?? false}
            onChange={(ev) => setDraft((d) => ({ ...d, machine_detection: ev.target.checked }))}
          />{" "}
          Hang up on answering machines (Twilio numbers)
        </label>
        {batchMode && (
          <label className="field-label">
            Contacts per batch
            <input
              className="input"
              type="number"
              min={1}
              max={10000}
              disabled={!editable}
              value={current.batch_size ?? 1000}
              onChange={(ev) => setDraft((d) => ({ ...d, batch_size: Number(ev.target.value) }))}
            />
          </label>
        )}
      </div>
      {editable && (
        <button
          className="btn btn-primary btn-xs"
          disabled={save.isPending || !current.agent_id || !current.phone_number_id}
          onClick={() => save.mutate()}
          data-testid="elevenlabs-save"
        >
          Save ElevenLabs setup
        </button>
      )}
      {batchMode && (
        <div data-testid="elevenlabs-batches">
          <table className="retry-table">
            <tbody>
              {(view.data?.batches ?? []).map((b) => (
                <tr key={b.id}>
                  <td>Wave {b.wave}</td>
                  <td>{b.status}</td>
                  <td>{b.recipients} contacts</td>
                  <td className="faint">{b.error ?? b.batch_id ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button className="btn btn-ghost btn-xs" onClick={() => retry.mutate()} data-testid="elevenlabs-retry">
            Retry failed + no-response
          </button>{" "}
          <button className="btn btn-ghost btn-xs" onClick={() => cancel.mutate()} data-testid="elevenlabs-cancel-batch">
            Cancel running batch
          </button>
          {retry.data && <span> {retry.data.contacts} contacts queued for the next wave</span>}
        </div>
      )}
    </section>
  );
}
