// npm start's signals: one caught while the runner finishes starting is acted
// on once it has started, never dropped (CI saw a runner ignore SIGUSR2 this way).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../support/runner/signal-while-starting.ts');

async function runFixture(signal: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, signal], { timeout: 20_000 });
  return stdout;
}

describe('process signals during the start', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'])('%s caught in the last tick of the start stops the runner once it has started', async (signal) => {
    expect(await runFixture(signal)).toBe(`stop: ${signal} received\nend\n`);
  });

  it('SIGHUP caught then reloads once started instead of killing the process', async () => {
    expect(await runFixture('SIGHUP')).toBe('reload\nend\n');
  });
});
