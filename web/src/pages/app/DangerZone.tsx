/** Deleting the app: owners and operators, after typing its name; its credentials stop at once. */
import { useState } from "react";
import { useNavigate } from "react-router";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { ConfirmDialog } from "../../components/ConfirmDialog";

export function DangerZone({ app, canDelete }: { app: App; canDelete: boolean }) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const remove = useRpcMutation(AppService.method.deleteApp, {
    onSuccess: () => navigate(`/tenants/${app.tenantId}/apps`, { replace: true }),
  });
  return (
    <section className="card card-danger" aria-labelledby="danger-title">
      <h2 className="card-title" id="danger-title">
        Delete this app
      </h2>
      <div className="row-between">
        <p>Its client ID and secret stop working at once. This cannot be undone.</p>
        {canDelete ? (
          <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
            Delete app
          </button>
        ) : (
          <p className="muted small">Only tenant owners can delete apps.</p>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${app.displayName}?`}
        confirmLabel="Delete app"
        danger
        typeToConfirm={app.displayName}
        busy={remove.isPending}
        problem={remove.error ? toProblem(remove.error) : null}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
        onConfirm={() => remove.mutate({ appId: app.appId })}
      >
        <p>Backends using this app's credentials get no new tokens from the moment it is deleted.</p>
      </ConfirmDialog>
    </section>
  );
}
