/** The fields of a license region, shared by creating and editing one. */
import { listFieldMessage, type Problem } from "../../api/errors";
import { Field } from "../../components/Field";
import { FormProblem } from "../../components/Status";

export interface RegionValues {
  readonly code: string;
  readonly displayName: string;
  /** As typed: comma- or space-separated. */
  readonly aliases: string;
  readonly databaseCode: string;
}

const FIELDS = ["code", "display_name", "aliases", "database_code"].map((f) => `license_region.${f}`);

export function RegionForm({
  values,
  onChange,
  problem,
  busy,
  codeFixed,
  submitLabel,
  submitDisabled,
  onSubmit,
  onCancel,
}: {
  values: RegionValues;
  onChange: (values: RegionValues) => void;
  problem: Problem | null;
  busy: boolean;
  /** Editing: the code names the region (in the dialog's title) and never changes. */
  codeFixed?: boolean;
  submitLabel: string;
  submitDisabled?: boolean;
  onSubmit: () => void;
  onCancel?: () => void;
}) {
  const set = (key: keyof RegionValues) => (e: { target: { value: string } }) => onChange({ ...values, [key]: e.target.value });
  const message = (f: string) => listFieldMessage(problem, `license_region.${f}`);
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <div className="form-row">
        {!codeFixed && (
          <Field label="Code" hint="2-32 characters of a-z, 0-9 and -, such as eu or us-west. Never changes." error={message("code")}>
            {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={values.code} onChange={set("code")} />}
          </Field>
        )}
        <Field label="Name" error={message("display_name")} className="grow">
          {(p) => <input {...p} type="text" autoComplete="off" value={values.displayName} onChange={set("displayName")} />}
        </Field>
      </div>
      <div className="form-row">
        <Field label="Aliases" hint="Other names people may type, separated by commas." error={message("aliases")} className="grow">
          {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={values.aliases} onChange={set("aliases")} />}
        </Field>
        <Field label="Database code" hint="Empty while the database is not provisioned." error={message("database_code")}>
          {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={values.databaseCode} onChange={set("databaseCode")} />}
        </Field>
      </div>
      <FormProblem problem={problem} shown={(f) => FIELDS.some((field) => f === field || f.startsWith(`${field}[`))} />
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={busy || submitDisabled}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
