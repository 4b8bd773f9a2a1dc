// When a canary counts as arrived: within CANARY_LATE_MINUTES of being sent.
// SES takes seconds; this is slack for its retries. A later one (a replay of
// an old canary included) counts as missing. Shared by accept (which records
// on-time arrivals), the probe (canary-missing) and the configuration.
export const CANARY_LATE_MINUTES = 15;

/** True when a canary that took `roundTripSeconds` arrived in time. */
export function canaryOnTime(roundTripSeconds: number): boolean {
  return roundTripSeconds < CANARY_LATE_MINUTES * 60;
}
