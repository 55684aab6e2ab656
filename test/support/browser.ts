/**
 * Just enough of a browser for sign-in tests: a cookie jar per origin and manual redirects, so a
 * test can stop at any hop (e.g. before the callback) and look at or tamper with it.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  /** One request; stores the cookies it sets. */
  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method: init.method ?? "GET",
      redirect: "manual",
      body: init.body,
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until `stop(url)` is true for the next location (returned, not fetched). */
  async followUntil(url: string, stop: (next: string) => boolean): Promise<string> {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      const res = await this.request(current);
      await res.arrayBuffer();
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) {
        throw new Error(`expected a redirect from ${current}, got ${res.status}`);
      }
      const next = new URL(location, current).href;
      if (stop(next)) return next;
      current = next;
    }
    throw new Error("too many redirects");
  }
}
