/**
 * Asks before something that cannot be undone. With `typeToConfirm`, the confirming button stays
 * disabled until that exact text is typed (DeleteApp: the app's name). Escape or Cancel closes it.
 */
import { type ReactNode, useEffect, useState } from "react";
import type { Problem } from "../api/errors";
import { Field } from "./Field";
import { Modal } from "./Modal";
import { ErrorAlert } from "./Status";

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  typeToConfirm,
  busy,
  problem,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  typeToConfirm?: string;
  busy?: boolean;
  problem?: Problem | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const [typed, setTyped] = useState("");
  useEffect(() => {
    if (!open) setTyped("");
  }, [open]);
  const cancel = () => {
    setTyped("");
    onCancel();
  };
  const ready = typeToConfirm === undefined || typed === typeToConfirm;
  return (
    <Modal open={open} title={title} onDismiss={cancel}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready && !busy) onConfirm();
        }}
      >
        <div className="modal-body">{children}</div>
        {typeToConfirm !== undefined && (
          <Field label={<>Type <strong>{typeToConfirm}</strong> to confirm</>}>
            {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} />}
          </Field>
        )}
        {problem && <ErrorAlert problem={problem} />}
        <div className="modal-footer">
          <button type="button" className="button" onClick={cancel}>
            Cancel
          </button>
          <button type="submit" className={`button ${danger ? "button-danger" : "button-primary"}`} disabled={!ready || busy}>
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
