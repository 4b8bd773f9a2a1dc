// AWS blocks outbound TCP port 25 from Lambda, and from an Elastic IP until
// AWS lifts the limit for it: the connection just times out. A bare
// "connect: timeout" would send the operator looking at the primary, so the
// probe's error says what it most likely is.
import type { PrimaryServer } from '../model.js';

export const PORT_25_HINT =
  'AWS blocks outbound port 25 until it lifts the limit for this account and Elastic IP (README "Port 25"); mail is kept and waits';

/** The probe's error, with the port-25 explanation when a connect to port 25 timed out. */
export function explainProbeError(primary: Pick<PrimaryServer, 'port'>, error: string): string {
  if (primary.port !== 25 || !/^connect: (timeout|ETIMEDOUT)/.test(error)) return error;
  return `${error} (${PORT_25_HINT})`;
}
