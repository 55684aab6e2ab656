/**
 * The fault suite (`npm run test:faults`; docs/reliability.md): real server processes against a
 * private PostgreSQL cluster that the suite stops, freezes and restarts, processes killed with
 * SIGKILL, an SMTP server taken away. Heavy and wall-clock bound, so it runs once, file after
 * file, apart from `npm test`.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts", "test/faults/support/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
