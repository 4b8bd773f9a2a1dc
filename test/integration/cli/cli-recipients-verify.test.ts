// `backup-mx recipients verify` against a scripted primary on loopback, through
// the CLI and the local backup MX's runtime file, as an operator runs it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../lambdas/core/operator/verify-recipients.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('backup-mx recipients verify', () => {
  let fx: LocalFixture;
  let dir: string;
  beforeAll(async () => {
    fx = await startLocalFixture();
    dir = await mkdtemp(join(tmpdir(), 'backupmx-verify-'));
  });
  afterAll(async () => {
    await fx?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => fx.reset());

  it('prints the addresses the primary refuses and exits 1; no message is ever sent', async () => {
    fx.primary.script = {
      rcpt: {
        'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'User unknown' },
        'busy@example.com': { code: 450, enhanced: '4.2.1', text: 'Try later' },
      },
    };
    const { code, io } = await fx.cli('recipients', 'verify', '--route', 'main', '--rate', '50', 'bob@example.com', 'gone@example.com', 'busy@example.com');
    expect(code).toBe(1);
    expect(io.text).toContain('gone@example.com\tunknown\t550 5.1.1 User unknown');
    expect(io.text).toContain('busy@example.com\tunsure\t450 4.2.1 Try later');
    expect(io.text).not.toMatch(/^bob@example\.com\t/m);
    expect(io.text).toContain('recipients verify main: 3 checked, 1 accepted, 1 unknown, 0 refused for another reason, 1 unsure (4xx or no answer) in 1 session');
    expect(fx.primary.messagesFor('bob@example.com')).toHaveLength(0);
  });

  it('reads --file (the recipientsFile format) and exits 0 when every address is known; --json gives the report', async () => {
    const file = join(dir, 'list.txt');
    await writeFile(file, '# from postmap -s\nbob@example.com\ncarol@example.com\n');
    const { code, io } = await fx.cli('recipients', 'verify', '--route', 'main', '--rate', '50', '--file', file, '--json');
    expect(code).toBe(0);
    const report = io.json<VerifyReport>();
    expect(report).toMatchObject({ route: 'main', checked: 2, accepted: 2, problems: [], sessions: 1 });
  });

  it("without addresses or --file takes the route's recipients and recipientsFile from the configuration", async () => {
    await writeFile(join(dir, 'more.txt'), 'carol@example.com\n');
    const contextFile = join(dir, 'context.json');
    const routes = [
      { name: 'main', domains: ['example.com'], recipients: ['bob@example.com', 'gone@example.com'], recipientsFile: 'more.txt', primary: { host: '127.0.0.1', port: 2525 } },
    ];
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', routes } }));
    fx.primary.script = { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'User unknown' } } };
    const before = process.env.BACKUPMX_CONTEXT_FILE;
    process.env.BACKUPMX_CONTEXT_FILE = contextFile;
    try {
      const { code, io } = await fx.cli('recipients', 'verify', '--route', 'main', '--rate', '50', '--json');
      expect(code).toBe(1);
      const report = io.json<VerifyReport>();
      expect(report).toMatchObject({ checked: 3, accepted: 2 });
      expect(report.problems.map((p) => p.address)).toEqual(['gone@example.com']);
    } finally {
      if (before === undefined) delete process.env.BACKUPMX_CONTEXT_FILE;
      else process.env.BACKUPMX_CONTEXT_FILE = before;
    }
  });

  it('refuses to ask a primary that is down, and needs --route with several routes', async () => {
    const several = await fx.cli('recipients', 'verify', 'bob@example.com');
    expect(several.code).toBe(2);
    expect(several.io.stderr.join("\n")).toMatch(/--route is needed: this target has main, other/);
    await fx.primary.stop();
    try {
      const { code, io } = await fx.cli('recipients', 'verify', '--route', 'main', 'bob@example.com');
      expect(code).toBe(1);
      expect(io.stderr.join("\n")).toMatch(/PrimaryNotUpError: route main: the primary is not up \(connect: ECONNREFUSED\)/);
    } finally {
      await fx.primary.restart();
    }
  });
});
