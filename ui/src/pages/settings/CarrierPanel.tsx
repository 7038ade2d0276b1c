// Settings → Providers → Twilio / Exotel: a status chip (ready, or what is missing), the write-only keys with
// "Test connection" (ProviderKeys), and the carrier's non-secret settings (caller numbers; Exotel's region and
// flow). Saving a key or a setting reloads the running dialer, so the next call uses it without a restart.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { setupApi, setupKeys } from "../../api/setup";
import { ApiError } from "../../api/error";
import type { CarrierSettings, CarrierSettingsPatch, CarrierStatus, ExotelRegion } from "../../api/types";
import { Field, FormError, ProviderKeys } from "../setup/SetupPanels";
import { CARRIER_LABEL, carrierChip, envLabels, joinAnd, parseNumbers } from "./carrierModel";

const BLURB: Record<CarrierStatus["provider"], string> = {
  twilio: "Direct dialing through your Twilio account; the call's audio streams to this console and on to the campaign's AI agent.",
  exotel: "Direct dialing through Exotel: a flow whose Voicebot applet streams the call to this console and on to the AI agent.",
};

export function CarrierPanel({ provider }: { provider: CarrierStatus["provider"] }) {
  const q = useQuery({ queryKey: setupKeys.carriers, queryFn: setupApi.carriers });
  const status = q.data?.carriers.find((c) => c.provider === provider);
  const chip = carrierChip(status);
  const label = CARRIER_LABEL[provider];
  const env = envLabels(status?.from_env ?? []);
  const loadError = q.error ? ApiError.from(q.error) : null;
  return (
    <section className="card settings-card" data-testid={`carrier-panel-${provider}`}>
      <header className="settings-head">
        <h2>
          {label}{" "}
          <span className={`check check-${chip.tone === "ok" ? "ok" : "warn"}`} data-tone={chip.tone} data-testid={`carrier-chip-${provider}`}>
            {chip.text}
          </span>
        </h2>
        <p className="muted">{BLURB[provider]}</p>
      </header>
      <div className="carrier-body">
        {loadError && (
          <div className="callout callout-warning" role="alert">
            <span className="code-pill">{loadError.code}</span> {loadError.message}
          </div>
        )}
        {env.length > 0 && (
          <p className="field-hint" data-testid={`carrier-env-${provider}`}>
            Set by environment: {joinAnd(env)}. These win over what is saved here; change them where the app is started.
          </p>
        )}
        {q.data && !q.data.live && (
          <p className="field-hint" data-testid={`carrier-restart-${provider}`}>
            This instance does not reload carriers: changes apply after a restart.
          </p>
        )}
        <ProviderKeys providers={[provider]} storeWarning={false} />
        {q.data &&
          (provider === "twilio" ? (
            <TwilioSettingsForm settings={q.data.settings} />
          ) : (
            <ExotelSettingsForm settings={q.data.settings} flowFromEnv={(status?.from_env ?? []).includes("exotel.flow_id")} baseUrl={status?.base_url ?? ""} />
          ))}
      </div>
    </section>
  );
}

function useSaveCarrier() {
  const qc = useQueryClient();
  const [error, setError] = useState<ApiError | null>(null);
  const save = useMutation({
    mutationFn: (patch: CarrierSettingsPatch) => setupApi.setCarrierSettings(patch),
    onMutate: () => setError(null),
    onSuccess: (out) => qc.setQueryData(setupKeys.carriers, out),
    onError: (e) => setError(ApiError.from(e)),
  });
  return { save, error };
}

function TwilioSettingsForm({ settings }: { settings: CarrierSettings }) {
  const id = useId();
  const saved = settings.twilio.from_numbers.join("\n");
  const [numbers, setNumbers] = useState(saved);
  const { save, error } = useSaveCarrier();
  useEffect(() => setNumbers(saved), [saved]);
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ twilio: { from_numbers: parseNumbers(numbers) } });
      }}
      data-testid="carrier-form-twilio"
    >
      <FormError error={error} />
      <Field
        label="Caller numbers"
        htmlFor={`${id}-numbers`}
        testId="twilio-from-numbers"
        error={error?.fieldMessage("twilio.from_numbers")}
        hint="Your Twilio numbers in E.164 (+14155550100), one per line. Campaigns pick one; the first is the default."
      >
        <textarea id={`${id}-numbers`} className="input textarea mono" rows={3} value={numbers} onChange={(e) => setNumbers(e.target.value)} data-testid="carrier-twilio-numbers" />
      </Field>
      <div className="field field-wide">
        <div>
          <button type="submit" className="btn btn-primary btn-sm" disabled={save.isPending} data-testid="carrier-save-twilio">
            Save numbers
          </button>{" "}
          {save.isSuccess && !save.isPending && <span className="check check-ok" role="status">Saved; the next call uses it.</span>}
        </div>
      </div>
    </form>
  );
}

const REGIONS: { value: ExotelRegion; label: string }[] = [
  { value: "singapore", label: "Singapore (api.exotel.com)" },
  { value: "mumbai", label: "Mumbai (api.in.exotel.com)" },
];

function ExotelSettingsForm({ settings, flowFromEnv, baseUrl }: { settings: CarrierSettings; flowFromEnv: boolean; baseUrl: string }) {
  const id = useId();
  const s = settings.exotel;
  const [region, setRegion] = useState<ExotelRegion>(s.region);
  const [callerIds, setCallerIds] = useState(s.caller_ids.join("\n"));
  const [flowId, setFlowId] = useState(s.flow_id);
  const { save, error } = useSaveCarrier();
  const savedKey = `${s.region}|${s.caller_ids.join(",")}|${s.flow_id}`;
  useEffect(() => {
    setRegion(s.region);
    setCallerIds(s.caller_ids.join("\n"));
    setFlowId(s.flow_id);
    // Only when the stored values change (after a save or another tab's), not on every render.
  }, [savedKey]);
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ exotel: { region, caller_ids: parseNumbers(callerIds), flow_id: flowId.trim() } });
      }}
      data-testid="carrier-form-exotel"
    >
      <FormError error={error} />
      <Field label="Region" htmlFor={`${id}-region`} testId="exotel-region" error={error?.fieldMessage("exotel.region")} hint={<>Where your Exotel account lives. Requests go to <span className="mono">{baseUrl}</span>.</>}>
        <select id={`${id}-region`} className="input select" value={region} onChange={(e) => setRegion(e.target.value as ExotelRegion)} data-testid="carrier-exotel-region">
          {REGIONS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="Flow (app) id"
        htmlFor={`${id}-flow`}
        testId="exotel-flow-id"
        error={error?.fieldMessage("exotel.flow_id")}
        hint={flowFromEnv ? "Set by environment (CALLBOARD_EXOTEL_FLOW_ID); the value here is not used." : "The number at the end of the flow's URL; its first applet must be the Voicebot pointing at this console."}
      >
        <input id={`${id}-flow`} className="input mono" inputMode="numeric" value={flowId} onChange={(e) => setFlowId(e.target.value)} data-testid="carrier-exotel-flow" />
      </Field>
      <Field label="Caller ids (ExoPhones)" htmlFor={`${id}-callers`} testId="exotel-caller-ids" error={error?.fieldMessage("exotel.caller_ids")} hint="Your Exotel virtual numbers, one per line; the first is the default.">
        <textarea id={`${id}-callers`} className="input textarea mono" rows={2} value={callerIds} onChange={(e) => setCallerIds(e.target.value)} data-testid="carrier-exotel-callers" />
      </Field>
      <div className="field field-wide">
        <div>
          <button type="submit" className="btn btn-primary btn-sm" disabled={save.isPending} data-testid="carrier-save-exotel">
            Save Exotel settings
          </button>{" "}
          {save.isSuccess && !save.isPending && <span className="check check-ok" role="status">Saved; the next call uses it.</span>}
        </div>
      </div>
    </form>
  );
}
