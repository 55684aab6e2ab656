/**
 * The one transport every RPC takes: the Connect protocol (JSON) to the page's own origin. The
 * browser sends the `tp_session` cookie by itself (same origin), and connect-web sends the
 * `Connect-Protocol-Version` header without which the server ignores a cookie (its CSRF rule,
 * docs/architecture.md).
 */
import { createConnectTransport } from "@connectrpc/connect-web";

export const transport = createConnectTransport({
  baseUrl: window.location.origin,
  // JSON keeps requests readable in the browser's network panel; the payloads are small.
  useBinaryFormat: false,
});
