/**
 * Starts the fault suite's private PostgreSQL cluster (private-postgres.ts) once for every file,
 * and removes it afterwards. Where it cannot run, the suite skips, saying why, unless
 * REQUIRE_FAULT_SUITE=1 (set by .ci/run): then that is a failure.
 */
import type { TestProject } from "vitest/node";
import { freePort } from "../../support/replica.js";
import { destroyPrivatePostgres, initPrivatePostgres, privatePostgresUnavailable, type PrivatePostgres } from "./private-postgres.js";

export type ProvidedPostgres = { readonly skip: string } | ({ readonly skip: undefined } & PrivatePostgres);

declare module "vitest" {
  export interface ProvidedContext {
    privatePostgres: ProvidedPostgres;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const reason = privatePostgresUnavailable();
  if (reason !== undefined) {
    if (process.env.REQUIRE_FAULT_SUITE === "1") {
      throw new Error(`REQUIRE_FAULT_SUITE=1, but the fault suite cannot run here: ${reason}`);
    }
    project.provide("privatePostgres", { skip: reason });
    return undefined;
  }
  const pg = initPrivatePostgres(await freePort());
  project.provide("privatePostgres", { skip: undefined, ...pg });
  return () => destroyPrivatePostgres(pg);
}
