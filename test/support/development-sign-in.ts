/**
 * Development sign-in as a browser walks it, over the wire: /auth/login → the in-process
 * provider → its login page → the e-mail typed → /auth/callback → the session cookie.
 */
import { expect } from "vitest";
import { TestBrowser } from "./browser.js";

export interface DevelopmentSignInWalk {
  readonly browser: TestBrowser;
  /** The login page's URL (under /dev-oidc/interaction/). */
  readonly loginPage: string;
  /** The login page's HTML response, unread. */
  readonly page: Response;
}

/** /auth/login up to the provider's login page. */
export async function openLoginPage(baseUrl: string, browser = new TestBrowser(), returnTo = "/"): Promise<DevelopmentSignInWalk> {
  const login = await browser.request(`${baseUrl}/auth/login?return_to=${encodeURIComponent(returnTo)}`);
  expect(login.status).toBe(302);
  const authorizationUrl = login.headers.get("location")!;
  expect(authorizationUrl.startsWith(`${baseUrl}/dev-oidc/auth?`)).toBe(true);
  const loginPage = await browser.followUntil(authorizationUrl, (next) => next.startsWith(`${baseUrl}/dev-oidc/interaction/`));
  return { browser, loginPage, page: await browser.request(loginPage) };
}

/** Types `email` on the login page and follows the redirects to the server's callback, whose answer is returned. */
export async function submitEmail(walk: DevelopmentSignInWalk, baseUrl: string, email: string): Promise<Response> {
  const submitted = await walk.browser.request(walk.loginPage, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, action: "sign_in" }).toString(),
  });
  expect(submitted.status).toBe(303);
  const resume = new URL(submitted.headers.get("location")!, walk.loginPage).href;
  const callback = await followProvider(walk.browser, resume, `${baseUrl}/auth/callback`);
  return walk.browser.request(callback);
}

/**
 * Follows the provider's redirects up to a URL starting with `stop` (returned, not fetched). When
 * the browser was signed in at the provider as someone else, the provider first ends that
 * session through a form its page submits by script; this submits it as a browser would.
 */
export async function followProvider(browser: TestBrowser, url: string, stop: string): Promise<string> {
  let current = url;
  let init: { method?: string; headers?: Record<string, string>; body?: string } = {};
  for (let hop = 0; hop < 20; hop++) {
    const res = await browser.request(current, init);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, current).href;
      if (next.startsWith(stop)) return next;
      [current, init] = [next, {}];
      continue;
    }
    const html = await res.text();
    const form = /<form method="post" action="([^"]+)">/.exec(html);
    if (res.status !== 200 || !form) throw new Error(`expected a redirect or a self-submitting form from ${current}, got ${res.status}`);
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map(([, k, v]): [string, string] => [k!, v!]);
    [current, init] = [form[1]!, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() }];
  }
  throw new Error("too many redirects");
}

/** A whole development sign-in; returns the browser holding the session cookie and the session token. */
export async function signInForDevelopment(baseUrl: string, email: string): Promise<{ browser: TestBrowser; token: string }> {
  const walk = await openLoginPage(baseUrl);
  await walk.page.arrayBuffer();
  const done = await submitEmail(walk, baseUrl, email);
  expect(done.status).toBe(303);
  const token = walk.browser.cookie(baseUrl, "tp_session");
  expect(token).toMatch(/^tps_/);
  return { browser: walk.browser, token: token! };
}
