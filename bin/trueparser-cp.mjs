#!/usr/bin/env node
// The operators' CLI. Runs the TypeScript sources through tsx, as `npm start` does: no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/bin.ts");
