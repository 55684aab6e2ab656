/**
 * fast-check arbitraries driven by protobuf descriptors: a random, valid-shaped message of any
 * request type (every field kind, oneofs, nested messages to a bounded depth, lists, maps, enum
 * numbers known and unknown, extreme integers), and malformed bodies for each encoding. Strings
 * are drawn partly from a pool of real ids, so random requests reach past "not found" into the
 * services.
 */
import { create, toBinary, toJsonString, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";

const MAX_DEPTH = 3;

export interface StringPool {
  /** Values that mean something to the server: ids, client ids, region codes, e-mails. */
  readonly known: readonly string[];
}

/** Strings as hostile callers send them: real ids, near misses, control characters, huge ones. */
export function stringArbitrary(pool: StringPool): fc.Arbitrary<string> {
  const arbitraries: Array<fc.WeightedArbitrary<string>> = [
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
    { weight: 1, arbitrary: fc.emailAddress() },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.domain() },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "\u0000", "a\r\nb", "eu", "EU", "Europe", "us", "ap", "../..", "%00", "null") },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => "x".repeat(n)) },
  ];
  if (pool.known.length > 0) {
    const known = fc.constantFrom(...pool.known);
    arbitraries.push({ weight: 4, arbitrary: known });
    // Near misses of real values: cased, cut, extended.
    arbitraries.push({
      weight: 1,
      arbitrary: fc.tuple(known, fc.nat(3)).map(([v, how]) => [v.toUpperCase(), v.slice(0, -1), `${v}x`, ` ${v} `][how]!),
    });
  }
  return fc.oneof(...arbitraries);
}

const INT32 = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)));
const UINT32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 2 ** 32 - 1));
const INT64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(2n ** 53n + 1n));
const UINT64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 1000n }));

function scalarArbitrary(type: ScalarType, strings: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return strings;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return INT32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.DOUBLE:
      return fc.double();
  }
}

/** Keys of a map field, as `create` takes them (object keys). */
function mapKeyArbitrary(type: ScalarType, strings: fc.Arbitrary<string>): fc.Arbitrary<string> {
  if (type === ScalarType.STRING) return strings;
  if (type === ScalarType.BOOL) return fc.constantFrom("true", "false");
  return scalarArbitrary(type, strings).map(String);
}

function singularArbitrary(field: DescField, kind: "scalar" | "enum" | "message", strings: fc.Arbitrary<string>, depth: number): fc.Arbitrary<unknown> {
  if (kind === "scalar") return scalarArbitrary(field.scalar!, strings);
  if (kind === "enum") {
    const numbers = field.enum!.values.map((v) => v.number);
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...numbers) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 1000 }) });
  }
  return messageInit(field.message!, strings, depth + 1);
}

function fieldArbitrary(field: DescField, strings: fc.Arbitrary<string>, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return singularArbitrary(field, "scalar", strings, depth);
    case "enum":
      return singularArbitrary(field, "enum", strings, depth);
    case "message":
      return singularArbitrary(field, "message", strings, depth);
    case "list":
      return fc.array(singularArbitrary(field, field.listKind, strings, depth), { maxLength: depth > 1 ? 2 : 6 });
    case "map":
      return fc.dictionary(mapKeyArbitrary(field.mapKey, strings), singularArbitrary(field, field.mapKind, strings, depth), { maxKeys: 3 });
  }
}

/** Well-known types whose JSON form constrains their fields: mostly valid values, sometimes not. */
function wellKnownInit(desc: DescMessage, strings: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> | undefined {
  switch (desc.typeName) {
    case "google.protobuf.Timestamp":
      return fc.record({ seconds: fc.bigInt({ min: -62_135_596_800n, max: 253_402_300_799n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) });
    case "google.protobuf.Duration":
      return fc.record({ seconds: fc.bigInt({ min: -315_576_000_000n, max: 315_576_000_000n }), nanos: fc.constant(0) });
    case "google.protobuf.FieldMask":
      return fc.record({
        paths: fc.array(fc.oneof(fc.constantFrom("display_name", "allowed_domains", "license_region", "database_code", "app_id", "aliases", ""), fc.stringMatching(/^[a-z][a-z_.]{0,20}$/), strings), {
          maxLength: 4,
        }),
      });
    default:
      return undefined;
  }
}

/** A valid-shaped init object for `create(desc, init)`: random presence of every field and oneof. */
export function messageInit(desc: DescMessage, strings: fc.Arbitrary<string>, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const wkt = wellKnownInit(desc, strings);
  if (wkt) return wkt;
  if (depth > MAX_DEPTH) return fc.constant({});
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof) continue;
    parts[field.localName] = fieldArbitrary(field, strings, depth);
  }
  for (const oneof of desc.oneofs) {
    parts[oneof.localName] = fc.oneof(
      ...oneof.fields.map((f) => fieldArbitrary(f, strings, depth).map((value) => ({ case: f.localName, value }))),
    );
  }
  return fc.record(parts, { requiredKeys: [] });
}

export function messageArbitrary(desc: DescMessage, pool: StringPool): fc.Arbitrary<Message> {
  return messageInit(desc, stringArbitrary(pool)).map((init) => create(desc, init as never));
}

/** A message's encodings; JSON is undefined when the message has no JSON form (e.g. a FieldMask path JSON cannot spell). */
export function encode(desc: DescMessage, message: Message): { binary: Uint8Array; json: string | undefined } {
  let json: string | undefined;
  try {
    json = toJsonString(desc, message as never);
  } catch {
    json = undefined;
  }
  return { binary: toBinary(desc, message as never), json };
}

/** Bodies no encoder would write: wrong JSON types, bad UTF-8, truncated or corrupted protobuf. */
export function malformedJson(desc: DescMessage): fc.Arbitrary<Uint8Array> {
  const names = desc.fields.flatMap((f) => [f.jsonName, f.name]);
  const wrongTypes = fc.dictionary(names.length > 0 ? fc.constantFrom(...names) : fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  return fc
    .oneof(
      wrongTypes.map((o) => JSON.stringify(o)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary", maxLength: 100 }),
      fc.constantFrom("", "{", "{}}", "[]", "null", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', "\uFEFF{}"),
    )
    .map((text) => new TextEncoder().encode(text))
    .chain((bytes) => fc.oneof({ weight: 5, arbitrary: fc.constant(bytes) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) }));
}

export function malformedBinary(desc: DescMessage, pool: StringPool): fc.Arbitrary<Uint8Array> {
  const valid = messageArbitrary(desc, pool).map((m) => toBinary(desc, m as never));
  return fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    // A valid message cut short, or with a byte changed, or with junk appended.
    fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
    fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
      const copy = Uint8Array.from(b);
      if (copy.length > 0) copy[i % copy.length] = v;
      return copy;
    }),
    fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([b, junk]) => Uint8Array.from([...b, ...junk])),
    // Field headers with every wire type and huge lengths.
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((bytes) => Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, ...bytes])),
  );
}
