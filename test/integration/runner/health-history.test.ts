// The health history works in the local runner (`npm start`) as in AWS: the
// same probe, DynamoDB adapter and emulator. A real SMTP primary on loopback
// answers, then stops: the operator's read gives the two transitions, ascending.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthTransition } from '../../../lambdas/core/operator/operator-reads.js';
import { LocalBackupMx } from '../../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { cleanups, runnerEnv, tempDir, waitFor } from '../../support/runner/e2e-support.js';

describe('local runner: the health history', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let contextFile: string;

  beforeAll(async () => {
    primary = await ScriptedPrimary.start();
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'health-history');
    contextFile = path.join(dir, 'context.json');
    const route = { name: 'corp', domains: ['example.com'], primary: { ...primary.asPrimary('none'), host: '127.0.0.1' } };
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: [route] } }));
  }, 30_000);
  afterAll(() => cleanup.run(), 30_000);

  it('records up, then down when the primary stops, and reads them back since a time', async () => {
    const began = new Date();
    const mx = await LocalBackupMx.start({ env: runnerEnv(contextFile), write: () => {}, runtimeFile: false, verbose: false });
    cleanup.add(() => mx.stop({ quiet: true }));
    const operator = mx.composed.operator;
    let history: HealthTransition[] = [];
    const read = async () => (history = await operator.healthHistory('corp', new Date(began.getTime() - 60_000)));
    await waitFor('the primary up', async () => (await read()).length === 1, 10_000);
    expect(history[0]).toMatchObject({ up: true });

    await primary.stop();
    await waitFor('the primary down', async () => (await read()).length === 2, 10_000);
    expect(history[1]).toMatchObject({ up: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(history[1]!.at.getTime()).toBeGreaterThan(history[0]!.at.getTime());
    // Asked from after the change: the state the period began in comes first.
    expect(await operator.healthHistory('corp', new Date(history[1]!.at.getTime() + 1))).toEqual([history[1]]);
    await mx.stop({ quiet: true });
  }, 30_000);
});
