/**
 * What the agent concluded about a finished call, from the provider's post-call analysis: the success
 * evaluation per criterion (with the agent's reasoning) and the data it collected (e.g. the car a lead wants,
 * when to call back). Hidden when the provider sent no analysis.
 */
import type { CallResults as Results } from "../../api/types";

/** `interested_model` → "Interested model". */
export function itemLabel(id: string): string {
  const words = id.replace(/[_-]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : id;
}

/** A collected value as a person reads it; null when the agent did not get it. */
export function valueText(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

const RESULT_CLASS: Record<string, string> = { success: "badge-result-success", failure: "badge-result-failure" };

export function CallResults({ results }: { results: Results }) {
  if (results.evaluation.length === 0 && results.data.length === 0) return null;
  return (
    <>
      <h3 className="drawer-section">Results{results.title ? ` · ${results.title}` : ""}</h3>
      <dl className="kv" data-testid="call-results">
        {results.evaluation.map((c) => (
          <div className="kv-pair" key={`e-${c.id}`} data-testid={`criterion-${c.id}`}>
            <dt>{itemLabel(c.id)}</dt>
            <dd>
              <span className={`badge ${RESULT_CLASS[c.result] ?? ""}`}>
                <span className="badge-dot" aria-hidden="true" />
                {c.result}
              </span>
              {c.rationale && <div className="dd-sub">{c.rationale}</div>}
            </dd>
          </div>
        ))}
        {results.data.map((d) => {
          const text = valueText(d.value);
          return (
            <div className="kv-pair" key={`d-${d.id}`} data-testid={`collected-${d.id}`}>
              <dt>{itemLabel(d.id)}</dt>
              <dd title={d.rationale ?? undefined}>{text ?? <span className="faint">Not collected</span>}</dd>
            </div>
          );
        })}
      </dl>
    </>
  );
}
