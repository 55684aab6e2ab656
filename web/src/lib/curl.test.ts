import { describe, expect, it } from "vitest";
import { shellQuote, tokenCurl } from "./curl";

describe("tokenCurl", () => {
  it("fills in the credentials and this server's token endpoint", () => {
    expect(tokenCurl("https://cp.example.com/", "tpc_abc", "tpcs_XYZ")).toBe(
      "curl -u tpc_abc:tpcs_XYZ -d grant_type=client_credentials https://cp.example.com/oauth/token",
    );
  });

  it("quotes values a shell would otherwise split or expand", () => {
    expect(tokenCurl("http://localhost:8080", "id", "a b$c'd")).toBe(
      `curl -u 'id:a b$c'\\''d' -d grant_type=client_credentials http://localhost:8080/oauth/token`,
    );
  });
});

describe("shellQuote", () => {
  it("leaves plain words alone and single-quotes the rest", () => {
    expect(shellQuote("tpc_0Aa-9.x:y")).toBe("tpc_0Aa-9.x:y");
    expect(shellQuote("a;b")).toBe("'a;b'");
    expect(shellQuote("")).toBe("''");
  });
});
