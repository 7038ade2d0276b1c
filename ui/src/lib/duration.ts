// Durations in words, for hints next to number inputs and for settings shown in sentences.

function parts(units: [number, string][], value: number): string {
  const out: string[] = [];
  let rest = value;
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out.push(`${n} ${name}`);
    rest -= n * size;
  }
  return out.join(" ");
}

/** 0 → "no delay", 15 → "15 min", 120 → "2 h", 90 → "1 h 30 min", 1500 → "1 d 1 h", 10080 → "1 week". */
export function humanMinutes(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return "";
  const m = Math.round(minutes);
  if (m === 0) return "no delay";
  if (m % 10080 === 0) return m === 10080 ? "1 week" : `${m / 10080} weeks`;
  return parts(
    [
      [1440, "d"],
      [60, "h"],
      [1, "min"],
    ],
    m,
  );
}

/** 45 → "45 s", 120 → "2 min", 90 → "1 min 30 s", 3600 → "1 h", 5400 → "1 h 30 min". */
export function humanSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  if (s === 0) return "0 s";
  return parts(
    [
      [86400, "d"],
      [3600, "h"],
      [60, "min"],
      [1, "s"],
    ],
    s,
  );
}

/** A number typed into an input, as a hint: "" while it is not a usable number. */
export function hintFor(raw: string, f: (n: number) => string): string {
  if (raw.trim() === "") return "";
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? f(n) : "";
}
