/**
 * The people of a tenant and their roles. Owners (and operators) add people by e-mail — they get
 * access when they next sign in with that verified address — and remove them; the last owner
 * cannot be removed (the server says so).
 */
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { MemberRole, TenantService, type TenantMember } from "../../api/proto";
import { Badge } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field } from "../../components/Field";
import { Empty, FormProblem, QueryView } from "../../components/Status";
import { ExactTime } from "../../components/Time";
import { RequestIds } from "../../lib/request-id";

export function MembersSection({ tenantId, canManage }: { tenantId: string; canManage: boolean }) {
  const members = useQuery(TenantService.method.listTenantMembers, { tenantId, pageSize: 1000 });
  const [removing, setRemoving] = useState<TenantMember | null>(null);
  const remove = useRpcMutation(TenantService.method.removeTenantMember, { onSuccess: () => setRemoving(null) });

  return (
    <section className="card" aria-labelledby="members-title">
      <h2 className="card-title" id="members-title">
        Members
      </h2>
      <QueryView query={members} what="members">
        {(data) =>
          data.members.length === 0 ? (
            <Empty title="No members yet" />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Added</th>
                  {canManage && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {data.members.map((m) => (
                  <tr key={m.email}>
                    <td data-label="E-mail" className="break">
                      {m.email}
                    </td>
                    <td data-label="Role">
                      <Badge tone={m.role === MemberRole.OWNER ? "info" : "neutral"}>{m.role === MemberRole.OWNER ? "Owner" : "Member"}</Badge>
                    </td>
                    <td data-label="Added">
                      <ExactTime ts={m.createTime} />
                    </td>
                    {canManage && (
                      <td className="cell-actions">
                        <button type="button" className="button button-small button-quiet" onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      {members.data?.nextPageToken && <p className="muted small">Showing the first 1000 members.</p>}
      {canManage ? (
        <AddMemberForm tenantId={tenantId} />
      ) : (
        <p className="muted small">Only owners can add or remove members.</p>
      )}
      <ConfirmDialog
        open={removing !== null}
        title="Remove member"
        confirmLabel="Remove"
        danger
        busy={remove.isPending}
        problem={remove.error ? toProblem(remove.error) : null}
        onCancel={() => {
          setRemoving(null);
          remove.reset();
        }}
        onConfirm={() => removing && remove.mutate({ tenantId, email: removing.email })}
      >
        <p>
          Remove <strong className="break">{removing?.email}</strong> from this tenant? They lose access at once.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function AddMemberForm({ tenantId }: { tenantId: string }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>(MemberRole.MEMBER);
  const [requestIds] = useState(() => new RequestIds());
  const add = useRpcMutation(TenantService.method.addTenantMember, {
    requestIds,
    onSuccess: () => {
      setEmail("");
      setRole(MemberRole.MEMBER);
    },
  });
  const problem = add.error ? toProblem(add.error) : null;
  return (
    <form
      className="inline-form"
      aria-label="Add a member"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ tenantId, email, role, requestId: requestIds.idFor({ tenantId, email, role }) });
      }}
    >
      <h3 className="subheading">Add a member</h3>
      <div className="form-row">
        <Field label="E-mail" error={problem?.fields.email} className="grow">
          {(p) => <input {...p} type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Role" error={problem?.fields.role}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(Number(e.target.value) as MemberRole)}>
              <option value={MemberRole.MEMBER}>Member</option>
              <option value={MemberRole.OWNER}>Owner</option>
            </select>
          )}
        </Field>
        <div className="form-row-action">
          <button type="submit" className="button" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add member"}
          </button>
        </div>
      </div>
      <FormProblem problem={problem} shown={(f) => f === "email" || f === "role"} />
      {add.isSuccess && (
        <p className="muted small" role="status">
          Added. They get access when they next sign in with that address.
        </p>
      )}
    </form>
  );
}
