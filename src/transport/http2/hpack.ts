/**
 * HPACK (RFC 7541) for the lean HTTP/2 server: a full decoder for the header blocks peers send,
 * and a minimal encoder for the header blocks we send.
 *
 * Decoder: static + dynamic table, Huffman, dynamic table size updates, the RFC 9113 header list
 * size limit, and strict rejection of every malformation (a COMPRESSION_ERROR for the caller).
 *
 * Encoder: deliberately stateless. Every field is a "literal without indexing" (§6.2.2) with the
 * name as a static-table index when it has one, except `:status` values of the static table, which
 * are fully indexed (§6.1). It never Huffman-codes and never touches the peer's dynamic table, so
 * we never owe the peer a table size update, whatever SETTINGS_HEADER_TABLE_SIZE it advertises.
 * Response headers are few and small; compressing them is not worth the state.
 *
 * Not here: frames, padding, priority, CONTINUATION reassembly and header validation (names
 * lower-case, pseudo-headers, connection-specific fields) - all of that is the HTTP/2 layer's job.
 * Strings are octets in HPACK: they are decoded as latin1 so every octet round-trips, and the
 * encoder expects latin1 (in practice ASCII) strings.
 */

/** A decoding failure: the HTTP/2 layer answers it with a connection error COMPRESSION_ERROR. */
export class HpackError extends Error {
  override name = "HpackError";
}

/** The decoded header list exceeded the limit: the HTTP/2 layer may answer 431 / reset, the decoder state stays in sync. */
export class HeaderListTooLarge extends Error {
  override name = "HeaderListTooLarge";
}

// ---------------------------------------------------------------------------------------------
// Static table (RFC 7541 Appendix A). Index 0 is unused: HPACK indices start at 1.

const STATIC_TABLE: readonly (readonly [string, string])[] = [
  ["", ""],
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];
const STATIC_COUNT = STATIC_TABLE.length - 1; // 61
const STATIC_NAMES = STATIC_TABLE.map((e) => e[0]);
const STATIC_VALUES = STATIC_TABLE.map((e) => e[1]);

/** Name -> its first static index, for the encoder. */
const STATIC_NAME_INDEX = new Map<string, number>();
/** `:status` value -> its fully indexed static entry (8..14), for the encoder. */
const STATIC_STATUS_INDEX = new Map<string, number>();
for (let i = STATIC_COUNT; i >= 1; i--) {
  const [name, value] = STATIC_TABLE[i]!;
  STATIC_NAME_INDEX.set(name, i);
  if (name === ":status") STATIC_STATUS_INDEX.set(value, i);
}

// ---------------------------------------------------------------------------------------------
// Huffman code (RFC 7541 Appendix B).
//
// The code is canonical: within one length, codes are consecutive in symbol order, and each
// length starts where the previous one ended, shifted left. So the code lengths alone, symbol by
// symbol (0..255, then 256 = EOS), determine every code; the codes are rebuilt below.

const HUFFMAN_CODE_LENGTHS = [
  // 0x00-0x1f: control characters
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  // 0x20-0x3f: ' ' ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  // 0x40-0x5f: @ A-Z [ \ ] ^ _
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  // 0x60-0x7f: ` a-z { | } ~ DEL
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  // 0x80-0xff
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  // EOS
  30,
];
const EOS = 256;

/*
 * Decoding is a state machine over 4-bit nibbles (as nghttp2 does). A state is an internal node of
 * the code tree (the root is state 0); 257 leaves make 256 internal nodes. For each state and
 * nibble the table gives the next state and, since no code is shorter than 5 bits, at most one
 * decoded symbol. Walking into EOS is an error (§5.2). A string may end only in a state whose path
 * from the root is all ones and at most 7 bits long: that is valid padding (the root = no padding).
 */
const HUFF_EMIT = 1 << 16; // bits 8..15 hold the symbol
const HUFF_FAIL = 1 << 17;
const HUFF_TRANSITIONS = new Int32Array(256 * 16);
const HUFF_ACCEPTS = new Uint8Array(256);

(function buildHuffmanDecoder(): void {
  // child[node * 2 + bit]: >= 0 an internal node, < 0 a leaf holding symbol -(value + 1).
  const child = new Int32Array(256 * 2).fill(0);
  const depth = new Uint8Array(256);
  const allOnes = new Uint8Array(256).fill(1);
  let nodes = 1;
  const symbols = HUFFMAN_CODE_LENGTHS.map((length, symbol) => ({ length, symbol }));
  symbols.sort((a, b) => a.length - b.length || a.symbol - b.symbol);
  let code = 0;
  let previousLength = symbols[0]!.length;
  for (const { length, symbol } of symbols) {
    code <<= length - previousLength; // canonical code assignment
    previousLength = length;
    let node = 0;
    for (let bitIndex = length - 1; bitIndex >= 0; bitIndex--) {
      const bit = (code >>> bitIndex) & 1;
      const slot = node * 2 + bit;
      if (bitIndex === 0) {
        child[slot] = -(symbol + 1);
      } else {
        if (child[slot] === 0) {
          const created = nodes++;
          child[slot] = created;
          depth[created] = depth[node]! + 1;
          allOnes[created] = allOnes[node]! & bit;
        }
        node = child[slot]!;
      }
    }
    code++;
  }
  for (let state = 0; state < 256; state++) {
    HUFF_ACCEPTS[state] = state === 0 || (allOnes[state] === 1 && depth[state]! <= 7) ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bitIndex = 3; bitIndex >= 0; bitIndex--) {
        const next = child[node * 2 + ((nibble >>> bitIndex) & 1)]!;
        if (next >= 0) {
          node = next;
          continue;
        }
        const symbol = -next - 1;
        if (symbol === EOS) {
          entry = HUFF_FAIL;
          break;
        }
        entry = HUFF_EMIT | (symbol << 8);
        node = 0;
      }
      HUFF_TRANSITIONS[state * 16 + nibble] = entry | node;
    }
  }
})();

// ---------------------------------------------------------------------------------------------
// Decoder

/** The largest integer we accept in any HPACK field: more than any index, length or table size. */
const MAX_INTEGER = 0x7fffffff;
/** Huffman scratch buffers above this size are not kept between strings. */
const MAX_RETAINED_SCRATCH = 16 * 1024;

export class HpackDecoder {
  /** SETTINGS_HEADER_TABLE_SIZE we advertised: the ceiling for the peer's size updates. */
  private readonly maxTableSize: number;
  private readonly maxHeaderListSize: number;
  /** The dynamic table's current maximum size, as last set by the peer (§4.2). */
  private capacity: number;
  private size = 0;

  // The dynamic table: a ring buffer, `next` is where the next entry goes, the newest entry is
  // at next - 1, the oldest at next - count (all modulo the power-of-two array length).
  private names: string[] = new Array<string>(16).fill("");
  private values: string[] = new Array<string>(16).fill("");
  private next = 0;
  private count = 0;

  // State of the block being decoded.
  private block: Uint8Array = new Uint8Array(0);
  private blockBuffer: Buffer | undefined; // the block as a Buffer, made on first raw string
  private pos = 0;
  private stringHuffman = false; // the last string literal read: Huffman-coded?
  private stringStart = 0; // its octets in the block
  private stringEnd = 0;
  private scratch: Buffer = Buffer.allocUnsafe(256);

  constructor(options?: { maxTableSize?: number; maxHeaderListSize?: number }) {
    this.maxTableSize = options?.maxTableSize ?? 4096;
    this.maxHeaderListSize = options?.maxHeaderListSize ?? 64 * 1024;
    this.capacity = this.maxTableSize;
  }

  /** The dynamic table's current size in octets (sum of name + value + 32 per entry, §4.1). */
  get tableSize(): number {
    return this.size;
  }

  /**
   * Decodes one complete header block (HEADERS + CONTINUATION payloads concatenated, padding and
   * priority already removed) into a flat [name0, value0, name1, value1, ...] list, in order.
   * Throws HpackError on any malformation, HeaderListTooLarge (after processing the whole block,
   * so the table stays in sync) when the list exceeds maxHeaderListSize.
   */
  decode(block: Uint8Array): string[] {
    this.block = block;
    this.blockBuffer = undefined;
    this.pos = 0;
    try {
      return this.decodeBlock();
    } finally {
      this.block = EMPTY;
      this.blockBuffer = undefined;
    }
  }

  private decodeBlock(): string[] {
    const block = this.block;
    const end = block.length;
    let fields: string[] = [];
    let listSize = 0;
    let tooLarge = false;
    let sawField = false;

    while (this.pos < end) {
      const first = block[this.pos]!;
      let name: string;
      let value: string;
      let valueLength: number;

      if (first & 0x80) {
        // §6.1 Indexed Header Field: 1xxxxxxx
        const index = this.readInteger(7);
        if (index === 0) throw new HpackError("HPACK: indexed header field with index 0");
        if (index <= STATIC_COUNT) {
          name = STATIC_NAMES[index]!;
          value = STATIC_VALUES[index]!;
        } else {
          const slot = this.dynamicSlot(index);
          name = this.names[slot]!;
          value = this.values[slot]!;
        }
        valueLength = value.length;
      } else if ((first & 0xe0) === 0x20) {
        // §6.3 Dynamic Table Size Update: 001xxxxx, only before the first field (§4.2)
        if (sawField) throw new HpackError("HPACK: dynamic table size update after a header field");
        const newCapacity = this.readInteger(5);
        if (newCapacity > this.maxTableSize) {
          throw new HpackError(`HPACK: dynamic table size update to ${newCapacity} above the advertised ${this.maxTableSize}`);
        }
        this.capacity = newCapacity;
        this.evictTo(newCapacity);
        continue;
      } else {
        // §6.2 Literal Header Field: with incremental indexing 01xxxxxx (6-bit index),
        // without indexing 0000xxxx or never indexed 0001xxxx (4-bit index); index 0 = literal name.
        const indexing = (first & 0x40) !== 0;
        const index = this.readInteger(indexing ? 6 : 4);
        // Once over the limit, strings only matter for the table: skip the rest without
        // materializing them (but still validate them).
        const keep = indexing || !tooLarge;
        if (index === 0) {
          if (keep) name = this.readString();
          else {
            this.skipString();
            name = "";
          }
        } else if (index <= STATIC_COUNT) {
          name = STATIC_NAMES[index]!;
        } else {
          name = this.names[this.dynamicSlot(index)]!;
        }
        if (keep) {
          value = this.readString();
          valueLength = value.length;
        } else {
          valueLength = this.skipString();
          value = "";
        }
        if (indexing) this.insert(name, value);
      }

      sawField = true;
      if (!tooLarge) {
        // RFC 9113 §6.5.2: the uncompressed size counts 32 octets of overhead per field.
        listSize += name.length + valueLength + 32;
        if (listSize > this.maxHeaderListSize) {
          tooLarge = true;
          fields = []; // drop what was accumulated; keep decoding for the table's sake
        } else {
          fields.push(name, value);
        }
      }
    }

    if (tooLarge) {
      throw new HeaderListTooLarge(`header list larger than ${this.maxHeaderListSize} octets`);
    }
    return fields;
  }

  /** §5.1: an integer with an N-bit prefix, starting in the current octet. */
  private readInteger(prefixBits: number): number {
    const block = this.block;
    const max = (1 << prefixBits) - 1;
    let value = block[this.pos++]! & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      if (shift > 28) throw new HpackError("HPACK: integer overflow");
      if (this.pos >= block.length) throw new HpackError("HPACK: truncated integer");
      const octet = block[this.pos++]!;
      value += (octet & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) throw new HpackError("HPACK: integer overflow");
      if ((octet & 0x80) === 0) return value;
    }
  }

  /** §5.2: a string literal, as a latin1 string. */
  private readString(): string {
    this.readStringBounds();
    const { stringStart: start, stringEnd: end } = this;
    if (!this.stringHuffman) {
      this.blockBuffer ??= Buffer.isBuffer(this.block)
        ? this.block
        : Buffer.from(this.block.buffer, this.block.byteOffset, this.block.byteLength);
      return this.blockBuffer.toString("latin1", start, end);
    }
    const out = this.huffmanOutput(end - start);
    const length = huffmanDecode(this.block, start, end, out);
    return out.toString("latin1", 0, length);
  }

  /** Like readString, but only validates the string and returns its decoded length. */
  private skipString(): number {
    this.readStringBounds();
    const { stringStart: start, stringEnd: end } = this;
    if (!this.stringHuffman) return end - start;
    return huffmanDecode(this.block, start, end, this.huffmanOutput(end - start));
  }

  /** Reads a string literal's header and skips past it, leaving its bounds in the fields below. */
  private readStringBounds(): void {
    if (this.pos >= this.block.length) throw new HpackError("HPACK: truncated header block");
    this.stringHuffman = (this.block[this.pos]! & 0x80) !== 0;
    const length = this.readInteger(7);
    this.stringStart = this.pos;
    this.stringEnd = this.pos + length;
    if (this.stringEnd > this.block.length) {
      throw new HpackError("HPACK: string literal runs past the end of the header block");
    }
    this.pos = this.stringEnd;
  }

  /** A buffer big enough for `encodedLength` Huffman-coded octets: at most 8/5 symbols per octet. */
  private huffmanOutput(encodedLength: number): Buffer {
    const needed = Math.ceil((encodedLength * 8) / 5);
    if (needed <= this.scratch.length) return this.scratch;
    if (needed > MAX_RETAINED_SCRATCH) return Buffer.allocUnsafe(needed);
    let size = this.scratch.length;
    while (size < needed) size *= 2;
    this.scratch = Buffer.allocUnsafe(size);
    return this.scratch;
  }

  /** The ring-buffer slot of dynamic index (62 = the newest entry), or HpackError. */
  private dynamicSlot(index: number): number {
    const position = index - STATIC_COUNT; // 1 = newest
    if (position > this.count) {
      throw new HpackError(`HPACK: index ${index} beyond the table (${STATIC_COUNT} static + ${this.count} dynamic entries)`);
    }
    return (this.next - position) & (this.names.length - 1);
  }

  /** §4.4: adds an entry, evicting the oldest ones; an entry larger than the table empties it. */
  private insert(name: string, value: string): void {
    const entrySize = name.length + value.length + 32;
    if (entrySize > this.capacity) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.capacity - entrySize);
    if (this.count === this.names.length) this.grow();
    this.names[this.next] = name;
    this.values[this.next] = value;
    this.next = (this.next + 1) & (this.names.length - 1);
    this.count++;
    this.size += entrySize;
  }

  /** Evicts the oldest entries until the table's size is at most `target` (§4.3). */
  private evictTo(target: number): void {
    const mask = this.names.length - 1;
    while (this.size > target) {
      const oldest = (this.next - this.count) & mask;
      this.size -= this.names[oldest]!.length + this.values[oldest]!.length + 32;
      this.names[oldest] = ""; // let the strings be collected
      this.values[oldest] = "";
      this.count--;
    }
  }

  /** Doubles the ring buffer, re-laying the entries oldest first from slot 0. */
  private grow(): void {
    const oldMask = this.names.length - 1;
    const names = new Array<string>(this.names.length * 2).fill("");
    const values = new Array<string>(this.names.length * 2).fill("");
    for (let i = 0; i < this.count; i++) {
      const slot = (this.next - this.count + i) & oldMask;
      names[i] = this.names[slot]!;
      values[i] = this.values[slot]!;
    }
    this.names = names;
    this.values = values;
    this.next = this.count;
  }
}

const EMPTY = new Uint8Array(0);

/** Huffman-decodes block[start, end) into `out`, returning the decoded length, or HpackError. */
function huffmanDecode(block: Uint8Array, start: number, end: number, out: Buffer): number {
  let state = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const octet = block[i]!;
    let entry = HUFF_TRANSITIONS[(state << 4) | (octet >>> 4)]!;
    if (entry & HUFF_FAIL) throw new HpackError("HPACK: EOS symbol in a Huffman-coded string");
    if (entry & HUFF_EMIT) out[length++] = (entry >>> 8) & 0xff;
    state = entry & 0xff;
    entry = HUFF_TRANSITIONS[(state << 4) | (octet & 0x0f)]!;
    if (entry & HUFF_FAIL) throw new HpackError("HPACK: EOS symbol in a Huffman-coded string");
    if (entry & HUFF_EMIT) out[length++] = (entry >>> 8) & 0xff;
    state = entry & 0xff;
  }
  if (HUFF_ACCEPTS[state] !== 1) {
    throw new HpackError("HPACK: invalid Huffman padding (longer than 7 bits or not all ones)");
  }
  return length;
}

// ---------------------------------------------------------------------------------------------
// Encoder

/**
 * Encodes a header list for a response: every field as "literal header field without indexing"
 * (RFC 7541 §6.2.2), with the name as a static-table index when the name is in the static table,
 * a literal name otherwise; ":status" with a value in the static table (200, 204, 206, 304, 400,
 * 404, 500) as a fully indexed field (§6.1). No Huffman coding, no dynamic table (so the peer's
 * decoder table never changes and we never need table size updates). Input flat [name, value, ...].
 * Names must already be lower-case and strings latin1 (characters above U+00FF would be truncated).
 */
export function encodeHeaderBlock(fields: readonly string[]): Buffer {
  if (fields.length % 2 !== 0) throw new TypeError("encodeHeaderBlock: fields must be [name, value, ...] pairs");

  // Pass 1: the exact size, so the block is one allocation.
  let total = 0;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (name === ":status" && STATIC_STATUS_INDEX.has(value)) {
      total += 1;
      continue;
    }
    const nameIndex = STATIC_NAME_INDEX.get(name);
    total += nameIndex !== undefined ? integerLength(nameIndex, 4) : 1 + integerLength(name.length, 7) + name.length;
    total += integerLength(value.length, 7) + value.length;
  }

  // Pass 2: write.
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    const statusIndex = name === ":status" ? STATIC_STATUS_INDEX.get(value) : undefined;
    if (statusIndex !== undefined) {
      out[pos++] = 0x80 | statusIndex; // 1xxxxxxx, indices 8..14 fit the prefix
      continue;
    }
    const nameIndex = STATIC_NAME_INDEX.get(name);
    if (nameIndex !== undefined) {
      pos = writeInteger(out, pos, 0x00, nameIndex, 4); // 0000xxxx with the name's index
    } else {
      out[pos++] = 0x00; // 0000 0000: literal name follows
      pos = writeInteger(out, pos, 0x00, name.length, 7); // H = 0
      pos = writeLatin1(out, pos, name);
    }
    pos = writeInteger(out, pos, 0x00, value.length, 7);
    pos = writeLatin1(out, pos, value);
  }
  return out;
}

/** Writes a latin1 string; a plain loop beats Buffer#write's call overhead for short strings. */
function writeLatin1(out: Buffer, pos: number, s: string): number {
  if (s.length > 64) return pos + out.write(s, pos, "latin1");
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i) & 0xff;
  return pos;
}

/** Octets taken by `value` as an HPACK integer with an N-bit prefix (§5.1). */
function integerLength(value: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) return 1;
  let length = 2;
  for (let rest = value - max; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

/** Writes `value` with an N-bit prefix; `flags` are the first octet's bits above the prefix. */
function writeInteger(out: Buffer, pos: number, flags: number, value: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos++] = flags | value;
    return pos;
  }
  out[pos++] = flags | max;
  let rest = value - max;
  while (rest >= 0x80) {
    out[pos++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[pos++] = rest;
  return pos;
}
