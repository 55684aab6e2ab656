import { describe, expect, it } from "vitest";
import { memoryLogger } from "../support/server.js";

describe("logger", () => {
  it("writes JSON lines and redacts secrets wherever they sit", () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = memoryLogger(lines);
    logger.info(
      {
        client_secret: "tpcs_secret-1",
        req: { headers: { authorization: "Bearer op-token", cookie: "session=abc" } },
        body: { client_secret: "tpcs_secret-2", token: "t-3" },
        harmless: "visible",
      },
      "hello",
    );
    const text = JSON.stringify(lines);
    for (const secret of ["tpcs_secret-1", "op-token", "session=abc", "tpcs_secret-2", "t-3"]) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({ msg: "hello", level: "info", harmless: "visible", client_secret: "[REDACTED]" });
  });
});
