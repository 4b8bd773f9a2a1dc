// `backup-mx cost` prices the configuration in a cdk.json, item by item, from
// the template it synthesizes; no AWS access. The shipped configuration is
// within the $2.00 a month the README promises for one route.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { EXIT } from '../../../../cli/errors.js';
import { main } from '../../../../cli/main.js';

const SHIPPED = new URL('../../../../cdk.json', import.meta.url);
const dir = mkdtempSync(path.join(tmpdir(), 'backupmx-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cdk.json: the shipped one with `change` applied to its backupMx context. */
function cdkJson(name: string, change: (config: Record<string, unknown>) => void): string {
  const json = JSON.parse(readFileSync(SHIPPED, 'utf8'));
  change(json.context.backupMx);
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

const total = (io: RecordingIo) => Number(/: \$(\d+\.\d\d)$/.exec(io.stdout[0]!)![1]);

describe('backup-mx cost', () => {
  it('the shipped configuration: one route, at most $2.00, each item with its count and price', async () => {
    const io = new RecordingIo();
    expect(await main(['cost', '--cdk-json', new URL(SHIPPED).pathname], { io })).toBe(EXIT.ok);
    expect(io.stdout[0]).toMatch(/^idle cost per month of .*cdk\.json \(1 route; us-east-1 list prices, free tiers left out\): \$\d+\.\d\d$/);
    expect(total(io)).toBeLessThanOrEqual(2);
    const text = io.stdout.join('\n');
    for (const item of ['CloudWatch alarm metrics', 'custom metrics published while idle', 'scheduled Lambda runs', 'canary round trips']) expect(text).toContain(item);
    expect(text).not.toMatch(/dashboard|KMS|Secrets Manager/);
  });

  it('follows the configuration: a dashboard and encrypted topics are priced in', async () => {
    const plain = new RecordingIo();
    await main(['cost', '--cdk-json', cdkJson('plain.json', () => undefined)], { io: plain });
    const io = new RecordingIo();
    expect(await main(['cost', '--cdk-json', cdkJson('rich.json', (c) => Object.assign(c, { dashboard: true, encryptTopics: true }))], { io })).toBe(EXIT.ok);
    expect(io.stdout.join('\n')).toMatch(/CloudWatch dashboards.*\$3\.00/);
    expect(io.stdout.join('\n')).toMatch(/KMS keys.*\$1\.00/);
    expect(total(io) - total(plain)).toBeCloseTo(3 + 1 + 7 * 0.3, 2);
  });

  it('--json gives the items', async () => {
    const io = new RecordingIo();
    await main(['cost', '--json', '--cdk-json', new URL(SHIPPED).pathname], { io });
    const parsed = JSON.parse(io.stdout.join('\n'));
    expect(parsed).toMatchObject({ routes: 1, alarms: 9, alarmMetrics: 9 });
    expect(parsed.lines.reduce((s: number, l: { dollarsPerMonth: number }) => s + l.dollarsPerMonth, 0)).toBeCloseTo(parsed.totalDollarsPerMonth, 2);
  });

  it('no cdk.json: says where it looked and what to do', async () => {
    const io = new RecordingIo();
    expect(await main(['cost', '--cdk-json', path.join(dir, 'missing.json')], { io })).toBe(EXIT.failed);
    expect(io.stderr.join('\n')).toContain('missing.json: run it in your backup-mx checkout, or give --cdk-json <path>');
  });

  it('a configuration synth refuses: the reason, as synth says it', async () => {
    const io = new RecordingIo();
    expect(await main(['cost', '--cdk-json', cdkJson('bad.json', (c) => Object.assign(c, { routes: [] }))], { io })).toBe(EXIT.failed);
    expect(io.stderr.join("\n")).toMatch(/cost: invalid backupMx context:[\s\S]*backupMx.routes: no routes/);
  });
});
