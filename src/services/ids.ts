import { v7 } from "uuid";
import type { Clock } from "../domain/clock.js";

export type IdGenerator = () => string;

/** UUIDv7 ids whose time part comes from the injected clock, so ids sort in creation order. */
export function uuidV7Ids(clock: Clock): IdGenerator {
  return () => v7({ msecs: clock.now().getTime() });
}
