import { text } from "node:stream/consumers";
import { runCli } from "./main.js";

process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: () => text(process.stdin),
});
