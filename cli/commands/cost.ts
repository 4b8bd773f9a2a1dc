// `backup-mx cost`: what the stack of this configuration costs in a month with
// no mail, read off its synthesized template (lib/cost/idle-cost.ts: alarms,
// custom metrics, dashboard, keys, secrets, scheduled runs, the canary,
// egress), item by item. Needs no AWS access: nothing is deployed or asked.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stackIdleCost } from '../../lib/cost/idle-cost.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT } from '../errors.js';

export interface CostOptions {
  /** The cdk.json whose backupMx context to price (default: ./cdk.json). */
  cdkJson?: string;
  json?: boolean;
}

const dollars = (n: number) => `$${n.toFixed(2)}`;

export async function costCommand(options: CostOptions, io: CliIo): Promise<number> {
  const file = path.resolve(options.cdkJson ?? 'cdk.json');
  let idle;
  try {
    idle = await stackIdleCost(undefined, pathToFileURL(file));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${file}: run it in your backup-mx checkout, or give --cdk-json <path>` : (error as Error).message;
    throw new CliError(`cost: ${reason}`);
  }
  if (options.json) {
    io.out(JSON.stringify(idle, null, 2));
    return EXIT.ok;
  }
  io.out(`idle cost per month of ${path.relative(process.cwd(), file) || file} (${idle.routes} route${idle.routes === 1 ? '' : 's'}; us-east-1 list prices, free tiers left out): ${dollars(idle.totalDollarsPerMonth)}`);
  const width = Math.max(...idle.lines.map((l) => l.item.length));
  for (const line of idle.lines) io.out(`  ${line.item.padEnd(width)}  ${String(line.count).padStart(6)}  ${dollars(line.dollarsPerMonth).padStart(7)}`);
  io.out(`${idle.alarms} alarms reading ${idle.alarmMetrics} metrics. Mail that flows costs more (README: What it costs while idle).`);
  return EXIT.ok;
}
