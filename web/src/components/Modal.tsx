/**
 * A modal dialog on the platform's <dialog> (focus moves in, the page behind is inert, focus
 * returns on close). A clicked backdrop never closes it. `onDismiss` lets Escape close it; without
 * one, nothing but the dialog's own buttons can: Escape is refused (`closedby="none"` where the
 * browser knows it, a cancelled `cancel` event elsewhere), and should a browser close it anyway
 * (Chromium lets a second Escape through) it is opened again at once.
 */
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Modal({
  open,
  title,
  onDismiss,
  children,
  className,
}: {
  open: boolean;
  title: ReactNode;
  onDismiss?: () => void;
  children: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (onDismiss) dialog.removeAttribute("closedby");
    else dialog.setAttribute("closedby", "none");
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open, onDismiss]);

  return (
    <dialog
      ref={ref}
      className={`modal${className ? ` ${className}` : ""}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onDismiss?.();
      }}
      onClose={() => {
        const dialog = ref.current;
        if (dialog && openRef.current && !onDismiss) dialog.showModal();
        else if (openRef.current) onDismiss?.();
      }}
    >
      <h2 id={titleId} className="modal-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
