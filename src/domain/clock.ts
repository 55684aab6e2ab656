/** The time source every rule and service is given, so tests can fix and move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
