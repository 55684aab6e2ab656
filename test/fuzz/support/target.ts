/**
 * The server the fuzzers attack: a real control plane in its own process (as `npm start` runs it),
 * so a crash is an exit, its memory is its own RSS, and every line it logs can be read. Also the
 * budget: the full run happens once per CI run, in the PostgreSQL pass (`.ci/run` sets
 * FUZZ=full); otherwise the committed regression cases and a few seconds of search run.
 */
import { readFileSync } from "node:fs";
import { PlanService } from "../../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TokenService } from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { clientFor } from "../../support/clients.js";
import { createTestDatabase, type TestDatabase } from "../../support/database.js";
import { onboard } from "../../support/onboarding.js";
import { startReplica, type Replica } from "../../support/replica.js";
import { OPERATOR_TOKEN } from "../../support/server.js";

export const FULL = process.env.FUZZ === "full";

/** Milliseconds of random search: the full budget, or a short smoke run. */
export function searchBudgetMs(fullMs: number): number {
  return FULL ? fullMs : 3_000;
}

export interface Target {
  readonly url: string;
  readonly replica: Replica;
  /** Real values random requests draw on, so they get past "not found". */
  readonly known: {
    readonly tenantId: string;
    readonly appId: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly planId: string;
    readonly accessToken: string;
  };
  /** Resident memory of the server process, in MiB. */
  rssMiB(): number;
  /** Log lines at error level or above (pino JSON), and anything else it wrote that is not JSON. */
  errorLines(): string[];
  stop(): Promise<void>;
}

export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const db: TestDatabase = await createTestDatabase();
  // Generous: on a busy 2-core machine a process starting the embedded database (WebAssembly,
  // migrations) beside the rest of the suite has taken more than startReplica's default 30 s.
  const replica = await startReplica(
    {
      OPERATOR_TOKEN,
      LOG_LEVEL: "warn",
      ...(db.url && { DATABASE_URL: db.url }),
      ...env,
    },
    90_000,
  );
  try {
    const { tenantId, app, clientId, clientSecret } = await onboard(replica.url);
    const { plan } = await clientFor(PlanService, replica.url).createPlan({ displayName: "Fuzz", monthlyDocumentUnits: 1000n });
    const { accessToken } = await clientFor(TokenService, replica.url, { token: null }).issueToken({ clientId, clientSecret });
    return {
      url: replica.url,
      replica,
      known: { tenantId, appId: app.appId, clientId, clientSecret, planId: plan!.planId, accessToken },
      rssMiB() {
        const status = readFileSync(`/proc/${replica.pid}/status`, "utf8");
        return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
      },
      errorLines() {
        return replica
          .output()
          .split("\n")
          .filter((line) => line.trim() !== "")
          .filter((line) => {
            try {
              const level = (JSON.parse(line) as { level?: unknown }).level;
              return level === "error" || level === "fatal" || (typeof level === "number" && level >= 50);
            } catch {
              return true; // not JSON: a crash trace or a library writing on its own
            }
          });
      },
      async stop() {
        await replica.stop();
        await db.drop();
      },
    };
  } catch (err) {
    await replica.stop();
    await db.drop();
    throw err;
  }
}

/** Settles within `ms` or fails, naming what hung (a request the server never answered is a finding). */
export function withinMs<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}
