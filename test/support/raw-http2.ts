/**
 * A raw HTTP/2 client for tests: frames written byte for byte (so tests can send what no real
 * client would), every frame the server sends recorded in order, header blocks decoded as they
 * arrive (one HPACK decoder per connection, as the protocol requires), and waits on frames with
 * a timeout instead of sleeps.
 */
import net from "node:net";
import { CLIENT_PREFACE, Flag, FRAME_HEADER_BYTES, FrameType, frame, settingsFrame } from "../../src/transport/http2/frames.js";
import { encodeHeaderBlock, HpackDecoder } from "../../src/transport/http2/hpack.js";

export interface Frame {
  /** Position among the frames received on this connection. */
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
  /** On the frame that completes a header block (HEADERS or its last CONTINUATION): the block, decoded. */
  readonly headers?: string[];
  /** The stream ends with this frame: END_STREAM on DATA or on a completed header block, or RST_STREAM. */
  readonly endsStream: boolean;
}

/** What the server answered on one stream. */
export interface StreamAnswer {
  readonly headers: string[] | undefined;
  readonly data: Buffer;
  readonly trailers: string[] | undefined;
  /** The RST_STREAM error code, if the stream was reset. */
  readonly rst: number | undefined;
  readonly frames: Frame[];
}

export interface RawOptions {
  /** SETTINGS sent after the preface (default: none, an empty SETTINGS frame). */
  readonly settings?: ReadonlyArray<readonly [number, number]>;
  /** ACK every SETTINGS frame the server sends (default true). */
  readonly autoAck?: boolean;
  /** Give the connection window back as DATA arrives (default true). */
  readonly autoWindow?: boolean;
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly test: (f: Frame) => boolean;
  readonly from: number;
  readonly resolve: (f: Frame) => void;
  readonly reject: (e: Error) => void;
}

export class RawH2 {
  readonly frames: Frame[] = [];
  /** Resolves when the socket is closed (by either side). */
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new HpackDecoder();
  private buffered: Buffer = Buffer.alloc(0);
  private block: { fragments: Buffer[]; endStream: boolean } | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly timeoutMs: number;

  private constructor(
    readonly socket: net.Socket,
    readonly authority: string,
    private readonly options: RawOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.isClosed = true;
        for (const w of this.waiters) w.reject(new Error("connection closed while waiting for a frame"));
        this.waiters.clear();
        resolve();
      }),
    );
  }

  /** Connects, sends the preface and SETTINGS. */
  static async connect(url: string, options: RawOptions = {}): Promise<RawH2> {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    const client = new RawH2(socket, `${hostname}:${port}`, options);
    client.send(CLIENT_PREFACE, settingsFrame(options.settings ?? []));
    return client;
  }

  send(...bytes: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes));
  }

  /** Waits for the first frame at or after `from` that passes `test`. */
  waitFor(test: (f: Frame) => boolean, opts: { from?: number; timeoutMs?: number; what?: string } = {}): Promise<Frame> {
    const from = opts.from ?? 0;
    const found = this.frames.find((f) => f.index >= from && test(f));
    if (found) return Promise.resolve(found);
    if (this.isClosed) return Promise.reject(new Error(`connection closed, no ${opts.what ?? "matching frame"}`));
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${opts.what ?? "a frame"}; got ${this.describe(from)}`));
      }, opts.timeoutMs ?? this.timeoutMs);
      const waiter: Waiter = {
        test,
        from,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(new Error(`${e.message} (${opts.what ?? "a frame"}); got ${this.describe(from)}`));
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits for the socket to close. */
  async waitClosed(timeoutMs = this.timeoutMs): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`connection still open; got ${this.describe(0)}`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Waits for a stream to end (END_STREAM or RST_STREAM) and returns what came on it from `from` on. */
  async answer(streamId: number, from = 0): Promise<StreamAnswer> {
    const last = await this.waitFor((f) => f.streamId === streamId && f.endsStream, { from, what: `the end of stream ${streamId}` });
    const frames = this.frames.filter((f) => f.index >= from && f.index <= last.index && f.streamId === streamId);
    const blocks = frames.filter((f) => f.headers !== undefined).map((f) => f.headers!);
    const data = Buffer.concat(frames.filter((f) => f.type === FrameType.DATA).map((f) => f.payload));
    const rst = frames.find((f) => f.type === FrameType.RST_STREAM);
    return {
      headers: blocks[0],
      data,
      trailers: blocks[1],
      rst: rst ? rst.payload.readUInt32BE(0) : undefined,
      frames,
    };
  }

  /** A PING round trip: everything the server queued before it has arrived when it resolves. */
  async ping(bytes = Buffer.from("roundtrp")): Promise<Frame> {
    const from = this.frames.length;
    this.send(frame(FrameType.PING, 0, 0, bytes));
    return this.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0 && f.payload.equals(bytes), { from, what: "PING ACK" });
  }

  close(): void {
    this.socket.destroy();
  }

  /** A short description of the frames received from `from` on, for failure messages. */
  describe(from: number): string {
    const names = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"];
    const list = this.frames
      .slice(from)
      .map((f) => `${names[f.type] ?? f.type}(s${f.streamId},f${f.flags}${f.type === FrameType.GOAWAY || f.type === FrameType.RST_STREAM ? `,code ${f.payload.readUInt32BE(f.type === FrameType.GOAWAY ? 4 : 0)}` : ""})`);
    return `[${list.join(" ")}]${this.isClosed ? " closed" : ""}`;
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= FRAME_HEADER_BYTES) {
      const length = (this.buffered[0]! << 16) | (this.buffered[1]! << 8) | this.buffered[2]!;
      if (this.buffered.length < FRAME_HEADER_BYTES + length) break;
      const type = this.buffered[3]!;
      const flags = this.buffered[4]!;
      const streamId = this.buffered.readUInt32BE(5) & 0x7fffffff;
      const payload = Buffer.from(this.buffered.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      this.buffered = this.buffered.subarray(FRAME_HEADER_BYTES + length);
      this.onFrame(type, flags, streamId, payload);
    }
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    let headers: string[] | undefined;
    let endsStream = type === FrameType.RST_STREAM || (type === FrameType.DATA && (flags & Flag.END_STREAM) !== 0);
    if (type === FrameType.HEADERS) {
      let fragment = payload;
      if (flags & Flag.PADDED) fragment = fragment.subarray(1, fragment.length - fragment[0]!);
      if (flags & Flag.PRIORITY) fragment = fragment.subarray(5);
      if (flags & Flag.END_HEADERS) {
        headers = this.decoder.decode(fragment);
        endsStream = (flags & Flag.END_STREAM) !== 0;
      } else this.block = { fragments: [fragment], endStream: (flags & Flag.END_STREAM) !== 0 };
    } else if (type === FrameType.CONTINUATION && this.block) {
      this.block.fragments.push(payload);
      if (flags & Flag.END_HEADERS) {
        headers = this.decoder.decode(Buffer.concat(this.block.fragments));
        endsStream = this.block.endStream;
        this.block = undefined;
      }
    }
    const f: Frame = { index: this.frames.length, type, flags, streamId, payload, endsStream, ...(headers ? { headers } : {}) };
    this.frames.push(f);
    if (type === FrameType.SETTINGS && !(flags & Flag.ACK) && (this.options.autoAck ?? true)) this.send(frame(FrameType.SETTINGS, Flag.ACK, 0));
    if (type === FrameType.DATA && payload.length > 0 && (this.options.autoWindow ?? true)) {
      const increment = Buffer.alloc(4);
      increment.writeUInt32BE(payload.length);
      this.send(frame(FrameType.WINDOW_UPDATE, 0, 0, increment));
    }
    for (const w of [...this.waiters]) {
      if (f.index >= w.from && w.test(f)) {
        this.waiters.delete(w);
        w.resolve(f);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Frame builders

export interface HeadersOptions {
  readonly endStream?: boolean;
  /** false: the block is left open for CONTINUATION frames. */
  readonly endHeaders?: boolean;
  /** Padding octets (sets PADDED). */
  readonly pad?: number;
  /** Priority fields (sets PRIORITY). */
  readonly priority?: { readonly dependsOn: number; readonly weight: number; readonly exclusive?: boolean };
}

/** A HEADERS frame carrying `block` (a header block, or a field list to encode). */
export function headersFrame(streamId: number, block: Buffer | readonly string[], opts: HeadersOptions = {}): Buffer {
  const fragment = Buffer.isBuffer(block) ? block : encodeHeaderBlock(block);
  let flags = (opts.endHeaders ?? true ? Flag.END_HEADERS : 0) | (opts.endStream ? Flag.END_STREAM : 0);
  const parts: Buffer[] = [];
  if (opts.pad !== undefined) {
    flags |= Flag.PADDED;
    parts.push(Buffer.from([opts.pad]));
  }
  if (opts.priority) {
    flags |= Flag.PRIORITY;
    const p = Buffer.alloc(5);
    p.writeUInt32BE((opts.priority.dependsOn | (opts.priority.exclusive ? 0x80000000 : 0)) >>> 0);
    p[4] = opts.priority.weight;
    parts.push(p);
  }
  parts.push(fragment);
  if (opts.pad !== undefined) parts.push(Buffer.alloc(opts.pad));
  return frame(FrameType.HEADERS, flags, streamId, Buffer.concat(parts));
}

export function continuationFrame(streamId: number, fragment: Buffer, endHeaders: boolean): Buffer {
  return frame(FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId, fragment);
}

export function dataFrame(streamId: number, data: Uint8Array, opts: { endStream?: boolean; pad?: number } = {}): Buffer {
  let flags = opts.endStream ? Flag.END_STREAM : 0;
  if (opts.pad === undefined) return frame(FrameType.DATA, flags, streamId, data);
  flags |= Flag.PADDED;
  return frame(FrameType.DATA, flags, streamId, Buffer.concat([Buffer.from([opts.pad]), data, Buffer.alloc(opts.pad)]));
}

/** The value of the first field named `name` in a decoded header list. */
export function field(fields: readonly string[] | undefined, name: string): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** A decoded header list as an object (later values of a repeated name win). */
export function fieldsObject(fields: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (fields) for (let i = 0; i < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}
