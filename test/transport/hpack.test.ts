/**
 * HPACK codec (src/transport/http2/hpack.ts): the RFC 7541 Appendix C examples, malformed blocks,
 * the header list size limit, the encoder, and interoperability with node:http2 (nghttp2) in both
 * directions over a raw socket that speaks just enough HTTP/2.
 */
import http2 from "node:http2";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeHeaderBlock, HeaderListTooLarge, HpackDecoder, HpackError } from "../../src/transport/http2/hpack.js";

/** "8286 8441" -> a plain Uint8Array (not a Buffer), so the decoder's non-Buffer path is used. */
function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

/** A block of literal fields with incremental indexing and literal names (no Huffman). */
function indexedLiterals(...fields: string[]): Uint8Array {
  const parts: number[] = [];
  const str = (s: string): void => {
    if (s.length >= 127) throw new Error("test helper: short strings only");
    parts.push(s.length, ...Buffer.from(s, "latin1"));
  };
  for (let i = 0; i < fields.length; i += 2) {
    parts.push(0x40);
    str(fields[i]!);
    str(fields[i + 1]!);
  }
  return new Uint8Array(parts);
}

describe("HpackDecoder: RFC 7541 Appendix C", () => {
  it("C.2 literal header field representations", () => {
    // C.2.1 literal with indexing
    let d = new HpackDecoder();
    expect(d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))).toEqual([
      "custom-key",
      "custom-header",
    ]);
    expect(d.tableSize).toBe(55);
    expect(d.decode(hex("be"))).toEqual(["custom-key", "custom-header"]);

    // C.2.2 literal without indexing
    d = new HpackDecoder();
    expect(d.decode(hex("040c 2f73 616d 706c 652f 7061 7468"))).toEqual([":path", "/sample/path"]);
    expect(d.tableSize).toBe(0);

    // C.2.3 literal never indexed
    d = new HpackDecoder();
    expect(d.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74"))).toEqual(["password", "secret"]);
    expect(d.tableSize).toBe(0);

    // C.2.4 indexed
    d = new HpackDecoder();
    expect(d.decode(hex("82"))).toEqual([":method", "GET"]);
    expect(d.tableSize).toBe(0);
  });

  // C.3 and C.4 are the same three requests, without and with Huffman coding.
  const requests = [
    [":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"],
    [":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache"],
    [":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com", "custom-key", "custom-value"],
  ];
  const requestTableSizes = [57, 110, 164];
  /** After the third request the table is [custom-key, cache-control, :authority], newest first. */
  const requestTable = ["custom-key", "custom-value", "cache-control", "no-cache", ":authority", "www.example.com"];

  it.each([
    ["C.3 (no Huffman)", ["8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", "8286 84be 5808 6e6f 2d63 6163 6865", "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"]],
    ["C.4 (Huffman)", ["8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", "8286 84be 5886 a8eb 1064 9cbf", "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"]],
  ])("%s: three requests through one decoder", (_name, blocks) => {
    const d = new HpackDecoder();
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(requests[i]);
      expect(d.tableSize).toBe(requestTableSizes[i]);
    });
    // The dynamic table's contents, newest first, and nothing beyond them.
    expect(d.decode(hex("be bf c0"))).toEqual(requestTable);
    expect(() => d.decode(hex("c1"))).toThrow(HpackError);
  });

  // C.5 and C.6 are the same three responses, without and with Huffman coding, in a 256-octet table.
  const responses = [
    [":status", "302", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com"],
    [":status", "307", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com"],
    [
      ":status", "200",
      "cache-control", "private",
      "date", "Mon, 21 Oct 2013 20:13:22 GMT",
      "location", "https://www.example.com",
      "content-encoding", "gzip",
      "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    ],
  ];
  const responseTableSizes = [222, 222, 215];
  const responseTables = [
    [
      "location", "https://www.example.com",
      "date", "Mon, 21 Oct 2013 20:13:21 GMT",
      "cache-control", "private",
      ":status", "302",
    ],
    [
      ":status", "307",
      "location", "https://www.example.com",
      "date", "Mon, 21 Oct 2013 20:13:21 GMT",
      "cache-control", "private",
    ],
    [
      "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
      "content-encoding", "gzip",
      "date", "Mon, 21 Oct 2013 20:13:22 GMT",
    ],
  ];
  /** Reads the whole dynamic table through indexed fields (62, 63, ...) on a copy of the state. */
  function tableOf(blocks: readonly string[], upTo: number, entries: number): string[] {
    const d = new HpackDecoder({ maxTableSize: 256 });
    for (const block of blocks.slice(0, upTo + 1)) d.decode(hex(block));
    const indexed = Array.from({ length: entries }, (_, i) => 0x80 | (62 + i));
    expect(() => d.decode(new Uint8Array([0x80 | (62 + entries)]))).toThrow(HpackError);
    return d.decode(new Uint8Array(indexed));
  }

  it.each([
    [
      "C.5 (no Huffman)",
      [
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
      ],
    ],
    [
      "C.6 (Huffman)",
      [
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
      ],
    ],
  ])("%s: three responses with eviction in a 256-octet table", (_name, blocks) => {
    const d = new HpackDecoder({ maxTableSize: 256 });
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(responses[i]);
      expect(d.tableSize).toBe(responseTableSizes[i]);
      const table = responseTables[i]!;
      expect(tableOf(blocks, i, table.length / 2)).toEqual(table);
    });
  });
});

describe("HpackDecoder: dynamic table", () => {
  it("evicts on size updates, and an entry larger than the table empties it", () => {
    const d = new HpackDecoder();
    d.decode(indexedLiterals("a", "1", "b", "2"));
    expect(d.tableSize).toBe(68);
    // Shrink to 40 octets (one entry) at the start of a block: the oldest (a) goes.
    expect(d.decode(new Uint8Array([0x3f, 0x09, 0xbe]))).toEqual(["b", "2"]);
    expect(d.tableSize).toBe(34);
    expect(() => d.decode(hex("bf"))).toThrow(HpackError);
    // An entry of 41 octets > 40: the table is emptied, the field still decodes.
    expect(d.decode(indexedLiterals("big", "123456"))).toEqual(["big", "123456"]);
    expect(d.tableSize).toBe(0);
    expect(() => d.decode(hex("be"))).toThrow(HpackError);
    // Size 0, then back up to 4096 (two updates at the start of one block are allowed).
    expect(d.decode(new Uint8Array([0x20, 0x3f, 0xe1, 0x1f, ...indexedLiterals("c", "3")]))).toEqual(["c", "3"]);
    expect(d.tableSize).toBe(34);
  });

  it("keeps hundreds of entries in order (ring buffer growth and wrap-around)", () => {
    const d = new HpackDecoder();
    for (let i = 0; i < 300; i++) d.decode(indexedLiterals(`n${i}`, `v${i}`));
    // 4096 / (2 + 2..4 + 32) ~ 110 entries survive; the newest is n299.
    const first = d.decode(new Uint8Array([0xbe, 0xbf]));
    expect(first).toEqual(["n299", "v299", "n298", "v298"]);
    // 62 + 100 = 162: a multi-octet index (7-bit prefix 127, then 35).
    expect(d.decode(new Uint8Array([0xff, 35]))).toEqual(["n199", "v199"]);
  });

  it("decodes a Uint8Array view at an offset", () => {
    const backing = new Uint8Array(100).fill(0xee);
    const block = hex("040c 2f73 616d 706c 652f 7061 7468");
    backing.set(block, 37);
    expect(new HpackDecoder().decode(backing.subarray(37, 37 + block.length))).toEqual([":path", "/sample/path"]);
  });
});

describe("HpackDecoder: malformed blocks", () => {
  const fails = (bytes: number[] | Uint8Array, options?: { maxTableSize?: number }): void => {
    expect(() => new HpackDecoder(options).decode(Uint8Array.from(bytes))).toThrow(HpackError);
  };

  it("rejects index 0", () => fails([0x80]));
  it("rejects an index beyond the table", () => {
    fails([0xbe]); // 62 with an empty dynamic table
    fails([0x7e, 0x01, 0x61]); // literal with a name index of 62
    fails([0xff, 0x80, 0x01]); // 127 + 128
  });
  it("rejects a string running past the end of the block", () => {
    fails([0x40, 0x0a, 0x63, 0x75]);
    fails([0x04]); // value missing entirely
    fails([0x04, 0x8a, 0xff]); // Huffman string, too short
  });
  it("rejects truncated and overflowing integers", () => {
    fails([0xff]);
    fails([0xff, 0x80]);
    fails([0x1f, ...new Array<number>(10).fill(0xff)]);
    fails([0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]); // leading zero groups
  });
  it("rejects the EOS symbol in a Huffman string", () => {
    fails([0x00, 0x01, 0x61, 0x84, 0xff, 0xff, 0xff, 0xff]);
    fails([0x00, 0x01, 0x61, 0x85, 0x1f, 0xff, 0xff, 0xff, 0xff]); // 'a' then EOS
  });
  it("rejects Huffman padding longer than 7 bits or not all ones", () => {
    // 'a' is 00011: 0x1f = 'a' + 111 padding is valid.
    expect(new HpackDecoder().decode(Uint8Array.from([0x00, 0x01, 0x61, 0x81, 0x1f]))).toEqual(["a", "a"]);
    fails([0x00, 0x01, 0x61, 0x82, 0x1f, 0xff]); // 11 bits of padding
    fails([0x00, 0x01, 0x61, 0x81, 0x18]); // padding 000
    fails([0x00, 0x01, 0x61, 0x81, 0xff]); // 8 ones, no symbol
  });
  it("rejects a table size update above the advertised size", () => {
    expect(new HpackDecoder().decode(Uint8Array.from([0x3f, 0xe1, 0x1f]))).toEqual([]); // 4096 is fine
    fails([0x3f, 0xe2, 0x1f]); // 4097
    fails([0x3f, 0x02], { maxTableSize: 32 }); // 33 > 32
  });
  it("rejects a table size update after a header field", () => {
    fails([0x82, 0x20]);
    // ...even in a later position of a block that began with one.
    fails([0x20, 0x82, 0x20]);
  });
});

describe("HpackDecoder: header list size limit", () => {
  it("throws HeaderListTooLarge after keeping the table in sync", () => {
    const d = new HpackDecoder({ maxHeaderListSize: 200 });
    const big = "v".repeat(120);
    // a:1 (34) + x-big (5 + 120 + 32 = 157) = 191 fits; c:3 makes 225 > 200.
    expect(() => d.decode(indexedLiterals("a", "1", "x-big", big, "c", "3"))).toThrow(HeaderListTooLarge);
    expect(d.tableSize).toBe(34 + 157 + 34);
    // Later blocks reference the entries the oversized one added: newest first.
    expect(d.decode(hex("be c0"))).toEqual(["c", "3", "a", "1"]);
    expect(d.decode(hex("bf"))).toEqual(["x-big", big]);
  });

  it("counts indexed fields, and keeps processing literals and size updates after the limit", () => {
    const d = new HpackDecoder({ maxHeaderListSize: 1000 });
    d.decode(indexedLiterals("x", "y".repeat(100))); // 133 octets per reference
    const block = [...new Array<number>(8).fill(0xbe), 0x04, 0x01, 0x2f, ...indexedLiterals("late", "entry")];
    expect(() => d.decode(Uint8Array.from(block))).toThrow(HeaderListTooLarge);
    expect(d.decode(hex("be"))).toEqual(["late", "entry"]);
    // A malformation after the limit is still a compression error.
    expect(() => d.decode(Uint8Array.from([...new Array<number>(8).fill(0xbf), 0x80]))).toThrow(HpackError);
  });
});

describe("encodeHeaderBlock", () => {
  it("round-trips a gRPC response with :status 200 fully indexed", () => {
    const fields = [":status", "200", "content-type", "application/grpc+proto", "grpc-status", "0", "grpc-message", "some text"];
    const block = encodeHeaderBlock(fields);
    expect(block[0]).toBe(0x88);
    expect(block.toString("hex")).toBe(
      "88" +
        "0f10" + "16" + Buffer.from("application/grpc+proto").toString("hex") + // content-type = static 31
        "00" + "0b" + Buffer.from("grpc-status").toString("hex") + "01" + "30" +
        "00" + "0c" + Buffer.from("grpc-message").toString("hex") + "09" + Buffer.from("some text").toString("hex"),
    );
    const d = new HpackDecoder();
    expect(d.decode(block)).toEqual(fields);
    expect(d.tableSize).toBe(0);
  });

  it("encodes other statuses, long strings and latin1 octets", () => {
    const fields = [
      ":status", "418",
      "location", "/" + "x".repeat(300),
      "x-" + "n".repeat(200), "é\u00ff\u0001",
      ":status", "204",
    ];
    const block = encodeHeaderBlock(fields);
    expect([...block.subarray(0, 5)]).toEqual([0x08, 0x03, 0x34, 0x31, 0x38]); // name index 8, literal "418"
    expect(block[block.length - 1]).toBe(0x89);
    expect(new HpackDecoder().decode(block)).toEqual(fields);
    expect(encodeHeaderBlock([])).toEqual(Buffer.alloc(0));
  });
});

// ---------------------------------------------------------------------------------------------
// Interoperability with node:http2 over a raw socket.

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
const FRAME_DATA = 0;
const FRAME_HEADERS = 1;
const FRAME_SETTINGS = 4;
const FRAME_CONTINUATION = 9;
const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/**
 * A raw TCP server speaking just enough HTTP/2: it sends an empty SETTINGS, ACKs the client's,
 * and hands every complete header block (HEADERS + CONTINUATIONs, padding and priority removed)
 * to `onHeaderBlock`, in order.
 */
async function rawHttp2Server(
  onHeaderBlock: (block: Buffer, streamId: number, flags: number, socket: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.write(EMPTY_SETTINGS);
    let buffered = Buffer.alloc(0);
    let prefaceSeen = false;
    let pending: { streamId: number; flags: number; parts: Buffer[] } | undefined;
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!prefaceSeen) {
        if (buffered.length < PREFACE.length) return;
        expect(buffered.subarray(0, PREFACE.length)).toEqual(PREFACE);
        buffered = buffered.subarray(PREFACE.length);
        prefaceSeen = true;
      }
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) return;
        const type = buffered[3]!;
        const flags = buffered[4]!;
        const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
        let payload = buffered.subarray(9, 9 + length);
        buffered = buffered.subarray(9 + length);
        if (type === FRAME_SETTINGS && (flags & FLAG_ACK) === 0) socket.write(SETTINGS_ACK);
        if (type === FRAME_HEADERS) {
          if (flags & FLAG_PADDED) {
            const padLength = payload[0]!;
            payload = payload.subarray(1, payload.length - padLength);
          }
          if (flags & FLAG_PRIORITY) payload = payload.subarray(5);
          pending = { streamId, flags, parts: [payload] };
        } else if (type === FRAME_CONTINUATION) {
          expect(pending?.streamId).toBe(streamId);
          pending!.parts.push(payload);
        } else {
          continue;
        }
        if (flags & FLAG_END_HEADERS) {
          const { parts, flags: headersFlags } = pending!;
          pending = undefined;
          onHeaderBlock(Buffer.concat(parts), streamId, headersFlags, socket);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function closeClient(client: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (client.destroyed) return resolve();
    client.once("close", () => resolve());
    client.destroy();
  });
}

/** [name, value] pairs of a flat list, sorted, for order-insensitive comparison. */
function pairsOf(flat: readonly string[]): string[][] {
  const pairs: string[][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs.sort((a, b) => (a.join("\0") < b.join("\0") ? -1 : 1));
}

describe("interoperability with node:http2", () => {
  it("decodes what a node:http2 client sends (Huffman and dynamic table)", async () => {
    const decoder = new HpackDecoder();
    const decoded: string[][] = [];
    const blockLengths: number[] = [];
    let gotAll!: () => void;
    const allReceived = new Promise<void>((resolve) => (gotAll = resolve));
    const requests: Record<string, string>[] = [];
    const server = await rawHttp2Server((block) => {
      blockLengths.push(block.length);
      decoded.push(decoder.decode(block));
      if (decoded.length === requests.length) gotAll();
    });

    // Every octet but NUL, in a value long and 'a'-heavy enough that nghttp2 still Huffman-codes
    // it, so every code of Appendix B except NUL's is decoded from a real encoder's output.
    let everyOctet = "";
    for (let c = 1; c < 256; c++) everyOctet += "a".repeat(16) + String.fromCharCode(c);
    const longRandom = randomBytes(1500).toString("base64url");
    const authority = `127.0.0.1:${server.port}`;
    const common = {
      ":method": "POST",
      ":path": "/trueparser.controlplane.v1.TenantService/GetTenant",
      "content-type": "application/grpc+proto",
      te: "trailers",
      "user-agent": "grpc-node-js/1.0 hpack-test",
      "x-random": longRandom,
    };
    requests.push(
      { ...common, "grpc-timeout": "9999m", "x-odd": "sp ace\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ é" },
      { ...common, "grpc-timeout": "9998m", authorization: "Bearer abc.def.ghi" },
      {
        ":method": "GET",
        ":path": "/healthz?probe=1",
        "grpc-timeout": "1S",
        "x-every-octet": everyOctet,
        "x-random": longRandom,
        authorization: "Bearer abc.def.ghi",
      },
    );

    const client = http2.connect(`http://${authority}`);
    client.on("error", () => {});
    try {
      for (const headers of requests) {
        const stream = client.request(headers, { endStream: true });
        stream.on("error", () => {});
      }
      await allReceived;
    } finally {
      await closeClient(client);
      await server.close();
    }

    expect(decoded).toHaveLength(3);
    decoded.forEach((list, i) => {
      const expected = { ":scheme": "http", ":authority": authority, ...requests[i] };
      expect(pairsOf(list)).toEqual(pairsOf(Object.entries(expected).flat()));
      // Pseudo-header fields come first.
      const names = list.filter((_, j) => j % 2 === 0);
      const firstRegular = names.findIndex((n) => !n.startsWith(":"));
      expect(names.slice(firstRegular).every((n) => !n.startsWith(":"))).toBe(true);
    });
    // nghttp2 did use its dynamic table, and Huffman for the octet soup (checked, not assumed):
    // the third block is shorter than that one value's raw octets.
    expect(decoder.tableSize).toBeGreaterThan(0);
    expect(blockLengths[2]).toBeLessThan(everyOctet.length);
  });

  it("a node:http2 client accepts a response encoded by encodeHeaderBlock", async () => {
    const server = await rawHttp2Server((_block, streamId, _flags, socket) => {
      expect(streamId).toBe(1);
      socket.write(
        Buffer.concat([
          frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, encodeHeaderBlock([":status", "200", "content-type", "application/grpc+proto", "x-custom", "yes"])),
          frame(FRAME_DATA, 0, 1, Buffer.from("hello")),
          frame(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, encodeHeaderBlock(["grpc-status", "0", "grpc-message", "some text"])),
        ]),
      );
    });
    const client = http2.connect(`http://127.0.0.1:${server.port}`);
    client.on("error", () => {});
    try {
      const result = await new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: string }>(
        (resolve, reject) => {
          const stream = client.request({ ":method": "POST", ":path": "/svc/Method", "content-type": "application/grpc" });
          stream.end();
          let headers: http2.IncomingHttpHeaders = {};
          let trailers: http2.IncomingHttpHeaders = {};
          let body = "";
          stream.on("response", (h) => (headers = h));
          stream.on("trailers", (t) => (trailers = t));
          stream.setEncoding("latin1");
          stream.on("data", (chunk: string) => (body += chunk));
          stream.on("end", () => resolve({ headers, trailers, body }));
          stream.on("error", reject);
        },
      );
      expect(result.headers[":status"]).toBe(200);
      expect(result.headers["content-type"]).toBe("application/grpc+proto");
      expect(result.headers["x-custom"]).toBe("yes");
      expect(result.body).toBe("hello");
      expect(result.trailers["grpc-status"]).toBe("0");
      expect(result.trailers["grpc-message"]).toBe("some text");
    } finally {
      await closeClient(client);
      await server.close();
    }
  });
});
