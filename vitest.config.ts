import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // web/: the dashboard's browser-side logic (pure functions, node environment).
    include: ["test/**/*.test.ts", "web/**/*.test.ts"],
    // The fault suite runs on its own (npm run test:faults, test/faults/vitest.config.ts).
    exclude: [...configDefaults.exclude, "test/faults/**"],
    // Builds dist/main.js once: the replica tests start it as `npm start` does.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each test file gets its own database (a fresh PostgreSQL database or an in-memory PGlite).
    pool: "forks",
  },
});
