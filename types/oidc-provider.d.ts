// oidc-provider ships no type declarations; development sign-in (src/oidc/development-provider.ts)
// and the tests use a small part of it.
declare module "oidc-provider" {
  import type http from "node:http";

  export interface Interaction {
    readonly uid: string;
    readonly prompt: { readonly name: string };
    readonly params: Record<string, string | undefined>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
    interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: http.IncomingMessage,
      res: http.ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    /** Provider is a Koa application. */
    listen(port: number): unknown;
    on(event: string, listener: (...args: never[]) => void): unknown;
    Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
  }

  export namespace interactionPolicy {
    interface CheckContext {
      readonly oidc: { readonly result?: { readonly login?: unknown } };
    }
    class Check {
      static readonly REQUEST_PROMPT: true;
      static readonly NO_NEED_TO_PROMPT: false;
      constructor(reason: string, description: string, error: string, check: (ctx: CheckContext) => boolean | Promise<boolean>);
    }
    interface Prompt {
      readonly name: string;
      readonly checks: Check[];
    }
    function base(): Prompt[] & { get(name: string): Prompt | undefined };
  }

  export namespace errors {
    class OIDCProviderError extends Error {}
    class SessionNotFound extends OIDCProviderError {}
  }
}

declare module "oidc-provider/lib/adapters/memory_adapter.js" {
  /** The library's own in-memory store (an LRU of 1,000 entries), one per call. */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
