#!/usr/bin/env node
// The operators' CLI. Runs the TypeScript sources through tsx: no build step (a CLI is short-lived,
// so tsx's loader memory does not matter here as it does for the server, which `npm start` bundles).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/bin.ts");
