/**
 * A TCP proxy in front of the test PostgreSQL server, for outages a test can switch on and off:
 * `down()` refuses connections and cuts open ones (a stopped database: ECONNREFUSED, connections
 * terminated), `freeze()` keeps every connection open but lets no byte through (a database stopped
 * with SIGSTOP, or cut off by the network: only timeouts notice), `up()` brings it back on the
 * same port. The server under test talks to it over real sockets with its own pg driver.
 */
import net from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** `url` (a postgresql:// URL) pointed at the proxy instead. */
  urlFor(url: string): string;
  down(): Promise<void>;
  freeze(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let frozen = false;
  let listening = false;

  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on("error", () => pair.client.destroy());
    upstream.on("close", () => pair.client.destroy());
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
  };
  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on("error", () => pair.upstream?.destroy());
    client.on("close", () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (frozen) client.pause(); // accepted, as the kernel does for a stopped server, but never answered
    else connectUpstream(pair);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        listening = true;
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  const cutAll = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    pairs.clear();
  };
  /** Stops listening and cuts every connection (close() is the same, for good). */
  const down = async () => {
    frozen = false;
    if (listening) {
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    }
    cutAll();
  };

  return {
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    down,
    freeze() {
      frozen = true;
      for (const pair of pairs) {
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    async up() {
      if (frozen) {
        frozen = false;
        for (const pair of pairs) {
          if (pair.upstream) {
            pair.client.pipe(pair.upstream);
            pair.upstream.pipe(pair.client);
          } else {
            connectUpstream(pair);
          }
        }
      }
      if (!listening) await listen(port);
    },
    close: down,
  };
}
