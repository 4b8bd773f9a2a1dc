// The canary through the SES stand-in, on the stack's schedule: the first
// after one interval, then one every interval (BACKUPMX_CANARY_INTERVAL_SECONDS
// shortens it for a local run).
import type { BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import type { LineOutput } from './line-output.js';
import { ProbeLoop } from './probe-loop.js';

/** Starts the loop; undefined with "canary": false. */
export function startCanaryLoop(canary: BackupMxConfig['canary'], intervalSeconds: number | undefined, send: () => Promise<unknown>, out: LineOutput): ProbeLoop | undefined {
  if (!canary || intervalSeconds === undefined) return undefined;
  const periodMs = intervalSeconds * 1000;
  const loop = new ProbeLoop({ invoke: send, periodMs, firstDelayMs: periodMs, onError: (error) => out.warn(`canary: ${error.message}`) });
  out.info(`canary: every ${periodMs / 1000} s to ${canary.address} through the SES stand-in, dropped before delivery`);
  loop.start();
  return loop;
}
