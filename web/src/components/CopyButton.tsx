/** Copies a value to the clipboard and says so (to sighted users and, politely, to screen readers). */
import { useEffect, useState } from "react";

export function CopyButton({ value, label, className }: { value: string; label: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const t = window.setTimeout(() => setState("idle"), 2500);
    return () => window.clearTimeout(t);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <span className={`copy${className ? ` ${className}` : ""}`}>
      <button type="button" className="button button-small button-quiet" onClick={() => void copy()} aria-label={label}>
        {state === "copied" ? "Copied" : "Copy"}
      </button>
      <span className="visually-hidden" role="status" aria-live="polite">
        {state === "copied" ? "Copied to the clipboard" : state === "failed" ? "Could not copy; select the text and copy it" : ""}
      </span>
    </span>
  );
}

/** A value shown in monospace with a copy button beside it. */
export function CopyableCode({ value, label }: { value: string; label: string }) {
  return (
    <span className="copyable">
      <code className="break">{value}</code>
      <CopyButton value={value} label={label} />
    </span>
  );
}
