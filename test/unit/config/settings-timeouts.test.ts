// SMTP timeouts: the wait for the reply to the final dot may last minutes (RFC 5321
// §4.5.3.2.6 allows 10), and the drain must never be cut off by Lambda during it.
import { describe, expect, it } from 'vitest';
import { ENV, drainReserveSeconds, loadSettings, SettingsError } from '../../../lambdas/config/settings.js';
import { emptySummary } from '../../../lambdas/core/drain/drain-summary.js';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaDrainStarter } from '../../../lambdas/adapters/aws/lambda-drain-starter.js';
import { makeDrainHandler } from '../../../lambdas/handlers/drain.js';
import type { Engine } from '../../../lambdas/app/engine.js';

const BASE = {
  [ENV.routes]: JSON.stringify([
    {
      name: 'corp',
      domains: ['example.com'],
      primary: { host: 'mail.example.com', port: 587, tls: 'required' },
      queueUrl: 'https://sqs.example/q',
      bouncePolicy: 'dsn',
    },
  ]),
  [ENV.tableName]: 't',
  [ENV.bucketName]: 'b',
  [ENV.deadLetterQueueUrl]: 'https://sqs.example/dlq',
};

describe('smtpTimeoutMs', () => {
  it('defaults to 5 minutes, long enough for a primary that scans a large message before answering the final dot', () => {
    expect(loadSettings(BASE).smtpTimeoutMs).toBe(300_000);
  });

  it('stays configurable, up to the 10 minutes RFC 5321 allows', () => {
    expect(loadSettings({ ...BASE, [ENV.smtpTimeoutMs]: '600000' }).smtpTimeoutMs).toBe(600_000);
    expect(loadSettings({ ...BASE, [ENV.smtpTimeoutMs]: '30000' }).smtpTimeoutMs).toBe(30_000);
    expect(() => loadSettings({ ...BASE, [ENV.smtpTimeoutMs]: '600001' })).toThrow(SettingsError);
  });

  it('the drain keeps back more than one SMTP wait from its time', () => {
    expect(drainReserveSeconds({ smtpTimeoutMs: 300_000 })).toBeGreaterThan(300);
    expect(drainReserveSeconds({ smtpTimeoutMs: 60_000 })).toBeGreaterThan(60);
    expect(drainReserveSeconds({ smtpTimeoutMs: 60_000 })).toBeLessThan(drainReserveSeconds({ smtpTimeoutMs: 300_000 }));
  });
});

describe('drain handler time budget', () => {
  /** Runs the handler with a fake engine and returns the budget it was given. */
  async function budgetFor(remainingMs: number, env: Record<string, string> = {}, mode: 'deliver' | 'sweep' = 'deliver') {
    const settings = loadSettings({ ...BASE, ...env });
    const runs: { budgetSeconds: number; owner: string }[] = [];
    const engine = { settings, drain: async (_e: unknown, run: { budgetSeconds: number; owner: string }) => runs.push(run) };
    const handler = makeDrainHandler(() => engine as unknown as Engine);
    await handler({ route: 'corp', mode }, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.owner).toBe('req-1');
    return runs[0]!.budgetSeconds;
  }

  it('stops taking messages early enough that the last one can wait a full SMTP timeout before Lambda ends', async () => {
    for (const smtp of ['300000', '60000', '540000']) {
      const budget = await budgetFor(600_000, { [ENV.smtpTimeoutMs]: smtp });
      expect(budget + Number(smtp) / 1000, smtp).toBeLessThan(600);
      expect(budget, smtp).toBeGreaterThanOrEqual(0);
    }
    // With the defaults and a 10-minute Lambda, there is still real time to deliver.
    expect(await budgetFor(600_000)).toBeGreaterThanOrEqual(120);
  });

  it('takes nothing new when less time is left than the reserve', async () => {
    expect(await budgetFor(200_000)).toBe(0);
  });

  it('a drain out of time invokes its own function for the successor, once its run (and lease) ended', async () => {
    const settings = loadSettings(BASE);
    const order: string[] = [];
    const invokes: unknown[] = [];
    const engine = {
      settings,
      log: { info: () => undefined, error: () => undefined },
      // The engine's successor: the real Lambda starter, on a client that records the invoke.
      successorIn: (functionName: string) =>
        new LambdaDrainStarter({ send: async (command: { input: unknown }) => (order.push('invoke'), invokes.push(command.input), { StatusCode: 202 }) } as unknown as LambdaClient, functionName),
      drain: async () => (order.push('drain ended'), { ...emptySummary('corp', 'deliver'), stoppedBecause: 'time-budget' as const }),
    };
    const handler = makeDrainHandler(() => engine as unknown as Engine);
    await handler({ route: 'corp' }, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 600_000, functionName: 'stack-Drain-abc' });
    expect(order).toEqual(['drain ended', 'invoke']);
    expect(invokes).toEqual([{ FunctionName: 'stack-Drain-abc', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ route: 'corp', mode: 'deliver' })) }]);
  });

  it('gives a sweep (no SMTP) its own budget: all but 30 s of the Lambda time, not the drain\'s 240 s', async () => {
    expect(await budgetFor(600_000, {}, 'sweep')).toBe(570);
    expect(await budgetFor(600_000, {}, 'deliver')).toBe(240);
  });
});
