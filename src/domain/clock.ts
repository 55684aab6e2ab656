/**
 * The time source every rule and service is given, so tests can fix and move it. Rules only read
 * `now`; services also wait on it (`sleep`), so a test clock decides when those waits end.
 */
export interface Clock {
  now(): Date;
  /** Resolves once `ms` have passed on this clock. A pending sleep does not keep the process alive. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};
