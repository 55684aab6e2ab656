/** Loading, empty and error states, the same on every page. */
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { type Problem, toProblem, unshownFieldMessages } from "../api/errors";
import { signInUrl } from "../api/session";

/** Announced politely to screen readers; shown as a quiet line with a spinner. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/**
 * A failed call, announced at once (role=alert). When the session is over, it offers to sign in
 * and come back here; `retry` offers to try again when another try may pass.
 */
export function ErrorAlert({ problem, retry, extra }: { problem: Problem; retry?: () => void; extra?: readonly string[] }) {
  const location = useLocation();
  return (
    <div className="alert alert-error" role="alert">
      <p>{problem.message}</p>
      {extra && extra.length > 0 && (
        <ul>
          {extra.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      {(problem.signedOut || (retry && problem.retryable)) && (
        <p className="alert-actions">
          {problem.signedOut && (
            <a className="button button-small" href={signInUrl(location.pathname + location.search)}>
              Sign in again
            </a>
          )}
          {retry && problem.retryable && !problem.signedOut && (
            <button type="button" className="button button-small" onClick={retry}>
              Try again
            </button>
          )}
        </p>
      )}
    </div>
  );
}

/** The common shape of a query result, for QueryView. */
interface QueryLike<T> {
  readonly isPending: boolean;
  readonly isError: boolean;
  readonly error: unknown;
  readonly data: T | undefined;
  refetch: () => unknown;
}

/** Renders a query's loading and error states, and `children(data)` once it has data. */
export function QueryView<T>({ query, what, children }: { query: QueryLike<T>; what: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading what={what} />;
  if (query.isError || query.data === undefined) {
    return <ErrorAlert problem={toProblem(query.error)} retry={() => void query.refetch()} />;
  }
  return <>{children(query.data)}</>;
}

export function NotFound() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </section>
  );
}

/**
 * A form's failed submission: the sentence for its reason, plus any field problem the form has no
 * field for (`shown` says which field paths the form displays beside their controls).
 */
export function FormProblem({ problem, shown }: { problem: Problem | null; shown: (field: string) => boolean }) {
  if (!problem) return null;
  return <ErrorAlert problem={problem} extra={unshownFieldMessages(problem, shown)} />;
}
