// The campaign form's carrier bits: a warning when the chosen carrier (Twilio, Exotel) cannot call yet, and the
// carrier's saved caller numbers as suggestions for the Caller ID field.

import type { CarrierStatus } from "../../api/types";
import { carrierNotice } from "../settings/carrierModel";

/** The carrier's status for `provider`, if it is a carrier. */
export function carrierOf(provider: string, carriers: CarrierStatus[] | undefined): CarrierStatus | undefined {
  return carriers?.find((c) => c.provider === provider);
}

export function CarrierNotice({ provider, carriers, fromNumber }: { provider: string; carriers: CarrierStatus[] | undefined; fromNumber: string }) {
  const notice = carrierNotice(provider, carriers, fromNumber);
  if (!notice) return null;
  return (
    <div className="callout callout-warning field-wide" role="status" data-testid="campaign-carrier-notice">
      {notice}
    </div>
  );
}

/** Suggestions for the Caller ID input (`list={id}`). */
export function CallerNumbers({ id, carrier }: { id: string; carrier: CarrierStatus | undefined }) {
  if (!carrier || carrier.numbers.length === 0) return null;
  return (
    <datalist id={id} data-testid="campaign-from-options">
      {carrier.numbers.map((n) => (
        <option key={n} value={n} />
      ))}
    </datalist>
  );
}

/** The Caller ID placeholder: the carrier's default number when it has one. */
export function callerPlaceholder(carrier: CarrierStatus | undefined): string {
  if (carrier && carrier.numbers.length > 0) return `Default: ${carrier.numbers[0]} (pick or type another)`;
  return "Provider default: an E.164 number (+965…) or the provider's number id";
}
