// Synth refuses a deployed primary that no Lambda can reach; the local
// runner's configuration (same parser) is not checked this way.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deployedPrimaryProblems } from '../../../lib/config/deployed-primary.js';

const routes = (...hosts: string[]) => hosts.map((host, i) => ({ name: `r${i}`, primary: { host } }));

describe('deployed primaries', () => {
  it('refuses loopback, private, link-local and unspecified addresses and names each', () => {
    const problems = deployedPrimaryProblems({ routes: routes('127.0.0.1', 'localhost', '192.168.1.20', '10.1.2.3', '172.20.0.5', '169.254.1.1', '0.0.0.0') });
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/^backupMx\.routes\[0\]\.primary\.host: "127\.0\.0\.1" is a loopback address, which the drain Lambda in AWS cannot reach/);
    expect(problems[2]).toMatch(/routes\[2\]\.primary\.host: "192\.168\.1\.20" is a private address.*public host name/);
  });

  it('accepts public names and addresses, and private ones behind a VPC egress mode', () => {
    expect(deployedPrimaryProblems({ routes: routes('mail.example.com', '203.0.113.7', '172.32.0.1', '192.169.0.1') })).toEqual([]);
    expect(deployedPrimaryProblems({ egress: 'vpc-nat', routes: routes('10.0.0.5') })).toEqual([]);
    expect(deployedPrimaryProblems({ egress: 'vpc-nat', routes: routes('127.0.0.1') })).toHaveLength(1);
  });

  it('the CDK app exits 1 with the message instead of synthesizing', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'synth-'));
    const context = { backupMx: { region: 'us-east-1', routes: [{ name: 'home', domains: ['example.net'], primary: { host: '192.168.1.20', port: 2525, tls: 'none' } }] } };
    const bin = fileURLToPath(new URL('../../../bin/backup-mx.ts', import.meta.url));
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', bin], { env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: out }, timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
      ),
    );
    await rm(out, { recursive: true, force: true });
    expect(result.stderr).toMatch(/routes\[0\]\.primary\.host: "192\.168\.1\.20" is a private address/);
    expect(result.code).toBe(1);
  });
});
