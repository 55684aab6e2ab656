/**
 * The keys tokens are signed with, newest first, and rotation: a new key is published at once and
 * signs only one JWKS cache lifetime later; the previous one stays published until its tokens expire.
 */
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { TokenService } from "../../api/proto";
import { SigningKeyStateBadge } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field } from "../../components/Field";
import { PageHeader, usePageTitle } from "../../components/PageTitle";
import { Empty, ErrorAlert, Loading } from "../../components/Status";
import { ExactTime } from "../../components/Time";
import { RequestIds } from "../../lib/request-id";

const ALGORITHMS = ["", "ES256", "RS256", "EdDSA"] as const;

export function SigningKeysPage() {
  usePageTitle("Signing keys");
  const keys = useInfiniteQuery(
    TokenService.method.listSigningKeys,
    { pageSize: 50, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const [algorithm, setAlgorithm] = useState<string>("");
  const [confirming, setConfirming] = useState(false);
  const [requestIds] = useState(() => new RequestIds());
  const rotate = useRpcMutation(TokenService.method.rotateSigningKey, { requestIds, onSuccess: () => setConfirming(false) });
  const rows = keys.data?.pages.flatMap((p) => p.signingKeys) ?? [];
  return (
    <section className="page">
      <PageHeader
        title="Signing keys"
        subtitle={<span className="muted">The keys access tokens are signed with, as published in the JWKS.</span>}
        actions={
          <button type="button" className="button button-primary" onClick={() => setConfirming(true)}>
            Rotate key
          </button>
        }
      />
      {keys.isPending ? (
        <Loading what="signing keys" />
      ) : keys.isError ? (
        <ErrorAlert problem={toProblem(keys.error)} retry={() => void keys.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="No signing keys yet" />
      ) : (
        <div className="card card-flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Key ID</th>
                <th scope="col">Algorithm</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Signs from</th>
                <th scope="col">Retired</th>
                <th scope="col">Leaves the JWKS</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((k) => (
                <tr key={k.keyId}>
                  <td data-label="Key ID">
                    <code className="break">{k.keyId}</code>
                  </td>
                  <td data-label="Algorithm">{k.algorithm}</td>
                  <td data-label="State">
                    <SigningKeyStateBadge state={k.state} />
                  </td>
                  <td data-label="Created">
                    <ExactTime ts={k.createTime} />
                  </td>
                  <td data-label="Signs from">
                    <ExactTime ts={k.activateTime} />
                  </td>
                  <td data-label="Retired">
                    <ExactTime ts={k.retireTime} />
                  </td>
                  <td data-label="Leaves the JWKS">
                    <ExactTime ts={k.expireTime} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {keys.hasNextPage && (
        <p className="list-more">
          <button type="button" className="button" onClick={() => void keys.fetchNextPage()} disabled={keys.isFetchingNextPage}>
            {keys.isFetchingNextPage ? "Loading…" : "Load older keys"}
          </button>
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title="Rotate the signing key?"
        confirmLabel="Rotate"
        busy={rotate.isPending}
        problem={rotate.error ? toProblem(rotate.error) : null}
        onCancel={() => {
          setConfirming(false);
          rotate.reset();
        }}
        onConfirm={() => rotate.mutate({ algorithm, requestId: requestIds.idFor({ algorithm }) })}
      >
        <p>
          A new key is published in the JWKS now and starts signing once verifiers' caches have seen it. Tokens signed by
          the current key stay valid until they expire.
        </p>
        <Field label="Algorithm" error={rotate.error ? toProblem(rotate.error).fields.algorithm : undefined}>
          {(p) => (
            <select {...p} value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
              {ALGORITHMS.map((a) => (
                <option key={a} value={a}>
                  {a === "" ? "The configured default (SIGNING_ALG)" : a}
                </option>
              ))}
            </select>
          )}
        </Field>
      </ConfirmDialog>
    </section>
  );
}
