/**
 * Token readiness: the checks the token endpoint makes, in its order, each passed, failed or not
 * applicable, and its verdict right now. The data is the server's (api/readiness.ts); this only
 * shows it. Until the server offers it, the panel says so instead of guessing.
 */
import { type AppReadiness, CheckState, type ReadinessResult, Verdict } from "../api/readiness";
import { ErrorAlert, Loading } from "./Status";

const CHECK_TITLES: Readonly<Record<string, string>> = {
  CREDENTIALS: "Credential accepted",
  APP_ENABLED: "App enabled",
  TENANT_ACTIVE: "Tenant active",
  LICENSE_REGION: "License region set",
  DATABASE_CODE: "Database code stamped",
  PLAN: "Plan usable",
};

export function ReadinessPanel({ result }: { result: ReadinessResult }) {
  return (
    <section className="card" aria-labelledby="readiness-title">
      <h2 className="card-title" id="readiness-title">
        Token readiness
      </h2>
      {result.status === "loading" ? (
        <Loading what="readiness" />
      ) : result.status === "error" ? (
        <ErrorAlert problem={result.problem} />
      ) : (
        <ReadinessView readiness={result.readiness} />
      )}
    </section>
  );
}

export function ReadinessView({ readiness }: { readiness: AppReadiness }) {
  const issued = readiness.verdict === Verdict.ISSUED;
  return (
    <>
      <div className={`verdict ${issued ? "verdict-good" : "verdict-bad"}`} role="status">
        <span className="verdict-icon" aria-hidden="true">
          {issued ? "✓" : "✕"}
        </span>
        <div>
          <p className="verdict-title">{issued ? "A token would be issued now." : "A token would be refused now."}</p>
          {!issued && (
            <p className="verdict-reason">
              <code>{readiness.refusalReason}</code> {readiness.refusalMessage}
            </p>
          )}
        </div>
      </div>
      <ol className="checklist">
        {readiness.checks.map((c) => (
          <li key={c.name} className={`check check-${stateClass(c.state)}`}>
            <span className="check-icon" aria-hidden="true">
              {c.state === CheckState.PASSED ? "✓" : c.state === CheckState.FAILED ? "✕" : "–"}
            </span>
            <span className="check-text">
              <span className="check-name">{CHECK_TITLES[c.name] ?? c.name}</span>
              <span className="visually-hidden">: {stateWord(c.state)}.</span>
              {c.description && <span className="check-description">{c.description}</span>}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}

function stateClass(state: number): string {
  return state === CheckState.PASSED ? "passed" : state === CheckState.FAILED ? "failed" : "na";
}

function stateWord(state: number): string {
  return state === CheckState.PASSED ? "passed" : state === CheckState.FAILED ? "failed" : "not applicable";
}
