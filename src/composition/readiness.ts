/**
 * Whether this process should be sent work (/readyz, grpc.health.v1): not while it drains, not
 * before every process of a cluster listens, and only while its database answers.
 */
import type { Database } from "../db/database.js";
import type { Readiness } from "../transport/connect/health-handlers.js";

export class ServerReadiness implements Readiness {
  private draining = false;

  constructor(
    private readonly database: Database,
    private readonly peersStarted: () => boolean = () => true,
  ) {}

  /** From now on the process is not ready: it is shutting down. */
  drain(): void {
    this.draining = true;
  }

  async isReady(): Promise<boolean> {
    if (this.draining || !this.peersStarted()) return false;
    try {
      await this.database.knex.raw("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }
}
