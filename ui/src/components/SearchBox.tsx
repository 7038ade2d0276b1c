import { IconSearch, IconX } from "./Icons";

/** A toolbar's search field: the magnifier, the input, and a clear button once something is typed. */
export function SearchBox({
  value,
  onChange,
  placeholder,
  label,
  testId,
}: {
  value: string;
  onChange(value: string): void;
  placeholder: string;
  /** The accessible name (`aria-label`). */
  label: string;
  testId?: string;
}) {
  return (
    <div className="search">
      <IconSearch />
      <input
        className="input input-bare"
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-label={label}
        data-testid={testId}
      />
      {value && (
        <button className="btn btn-ghost btn-icon btn-xs" aria-label="Clear search" onClick={() => onChange("")}>
          <IconX size={12} />
        </button>
      )}
    </div>
  );
}
