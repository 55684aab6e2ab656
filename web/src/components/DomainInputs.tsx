/**
 * Up to three allowed-domain rows. Each row shows the server's verdict on its entry (see
 * lib/domains.ts for how a violation finds its row); the rules are the server's alone.
 */
import { type DomainErrors, MAX_ALLOWED_DOMAINS } from "../lib/domains";

export function DomainInputs({
  rows,
  onChange,
  errors,
}: {
  rows: readonly string[];
  onChange: (rows: string[]) => void;
  errors: DomainErrors;
}) {
  const set = (i: number, value: string) => onChange(rows.map((r, j) => (j === i ? value : r)));
  const remove = (i: number) => {
    const next = rows.filter((_, j) => j !== i);
    onChange(next.length === 0 ? [""] : next);
  };
  return (
    <fieldset className={`fieldset${errors.list ? " field-invalid" : ""}`} aria-describedby="domains-hint">
      <legend>Allowed domains (optional)</legend>
      <p className="field-hint" id="domains-hint">
        Up to {MAX_ALLOWED_DOMAINS} hosts such as <code>api.example.com</code> or <code>localhost:3000</code>, without
        https:// or a path. Browsers may call the token endpoint for this app only from these origins; backends are not
        affected.
      </p>
      {rows.map((value, i) => {
        const id = `domain-${i}`;
        const error = errors.rows[i];
        return (
          <div className={`domain-row${error ? " field-invalid" : ""}`} key={i}>
            <label htmlFor={id} className="visually-hidden">
              Allowed domain {i + 1}
            </label>
            <div className="domain-input">
              <input
                id={id}
                type="text"
                inputMode="url"
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                placeholder="api.example.com"
                value={value}
                onChange={(e) => set(i, e.target.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
              />
              {(rows.length > 1 || value !== "") && (
                <button type="button" className="button button-quiet button-small" onClick={() => remove(i)} aria-label={`Remove allowed domain ${i + 1}`}>
                  Remove
                </button>
              )}
            </div>
            {error && (
              <p className="field-error" id={`${id}-error`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      {errors.list && <p className="field-error">{errors.list}</p>}
      {rows.length < MAX_ALLOWED_DOMAINS && (
        <button type="button" className="button button-small" onClick={() => onChange([...rows, ""])}>
          Add a domain
        </button>
      )}
    </fieldset>
  );
}
