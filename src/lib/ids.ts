import { randomBytes } from "node:crypto";
import type { Clock } from "../domain/clock.js";

export type IdGenerator = () => string;

/**
 * UUIDv7 ids (RFC 9562) whose time comes from the injected clock. Within one millisecond — or
 * while a test clock stands still — the 12-bit rand_a field is a counter (RFC 9562 §6.2, method
 * 1), so ids from one generator always sort in creation order.
 */
export function uuidV7Ids(clock: Clock): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  return () => {
    let ms = clock.now().getTime();
    if (ms > lastMs) {
      lastMs = ms;
      counter = randomBytes(2).readUInt16BE() & 0x3ff; // random start, leaving room to count
    } else {
      counter++;
      if (counter > 0xfff) {
        lastMs++; // counter exhausted: borrow the next millisecond
        counter = 0;
      }
      ms = lastMs;
    }
    const b = randomBytes(16);
    b.writeUIntBE(ms, 0, 6);
    b[6] = 0x70 | (counter >> 8);
    b[7] = counter & 0xff;
    b[8] = 0x80 | (b[8]! & 0x3f);
    const hex = b.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
