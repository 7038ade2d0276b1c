/**
 * The campaign form's field helpers: a labelled field with its error or hint, the aria wiring, a number input
 * with its unit, a section-wide error. Shared by the form and its "Advanced" part.
 */
import type { ReactNode } from "react";
import type { CampaignFormValues, ErrorTarget, FieldName, Section } from "./formModel";

export interface FormKitInput {
  values: CampaignFormValues;
  set<K extends FieldName>(k: K, v: CampaignFormValues[K]): void;
  /** The local or the core's error for a field or section. */
  errorFor(t: ErrorTarget): string | undefined;
  /** The element id of a field or section. */
  idOf(t: ErrorTarget): string;
}

export type FormKit = ReturnType<typeof formKit>;

export function formKit({ values, set, errorFor, idOf }: FormKitInput) {
  const field = (f: FieldName, label: string, control: ReactNode, hint?: ReactNode, wide?: boolean) => {
    const err = errorFor(f);
    return (
      <div className={`field${wide ? " field-wide" : ""}${err ? " has-error" : ""}`}>
        <label className="field-label" htmlFor={idOf(f)}>
          {label}
        </label>
        {control}
        {err ? (
          <div className="field-error" id={`${idOf(f)}-error`} data-testid={`field-error-${f}`}>
            {err}
          </div>
        ) : (
          hint && <div className="field-hint">{hint}</div>
        )}
      </div>
    );
  };
  const aria = (f: FieldName) => ({
    id: idOf(f),
    "aria-invalid": errorFor(f) ? true : undefined,
    "aria-describedby": errorFor(f) ? `${idOf(f)}-error` : undefined,
  });
  /** A number input with a unit after it. */
  const numberInput = (f: FieldName, range: readonly [number, number], step: number, unit: string, testId: string, disabled?: boolean) => (
    <div className={`input-group${disabled ? " is-disabled" : ""}`}>
      <input
        {...aria(f)}
        className="input"
        type="number"
        inputMode={Number.isInteger(step) ? "numeric" : "decimal"}
        min={range[0]}
        max={range[1]}
        step={step}
        value={values[f] as string}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => set(f, e.target.value as CampaignFormValues[typeof f])}
      />
      <span className="input-unit" aria-hidden="true">
        {unit}
      </span>
    </div>
  );
  const sectionError = (s: Section) => {
    const err = errorFor(s);
    return (
      err && (
        <div className="section-error field-wide" role="alert" id={`${idOf(s)}-error`} data-testid={`section-error-${s}`}>
          {err}
        </div>
      )
    );
  };

  return { values, set, errorFor, idOf, field, aria, numberInput, sectionError };
}
