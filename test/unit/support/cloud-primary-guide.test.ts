// docs/primary-setup.md's Google Workspace and Microsoft 365 sections against
// the code: their route blocks parse with the real configuration schema (field
// names of lib/config/arc.ts) and need an egress mode as the text says, doctor
// recognises their hosts, and every link doctor and the README give into the
// guide lands on a heading that exists.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { port25Problems } from '../../../lib/checks/deploy-checks.js';
import { cloudKindOfHost, PRIMARY_SECTIONS } from '../../../cli/doctor/primary-kind-check.js';
import { GUIDE, guideSnippets } from '../../support/smtp/postfix-primary.js';

const guide = readFileSync(GUIDE, 'utf8');
const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const snippets = guideSnippets(guide);

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen. */
const anchors = new Set(
  [...guide.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')),
);

describe('docs/primary-setup.md cloud primaries', () => {
  it.each([
    ['google-primary.json', 'google-workspace'],
    ['microsoft-primary.json', 'microsoft-365'],
  ])('%s with arc.json is a valid route that doctor recognises (%s), and needs an egress mode for its port 25', (primaryBlock, kind) => {
    const block = JSON.parse(`{${snippets.get(primaryBlock)!}, ${snippets.get('arc.json')!}}`) as Record<string, unknown>;
    const route = { name: 'corp', domains: ['example.com'], ...block };
    const config = parseBackupMxConfig({ region: 'eu-west-1', egress: 'vpc-nat-instance', routes: [route] });
    expect(config.routes[0]!.arc).toEqual({ domain: 'example.com', selector: 'arc2026', keySecretName: 'backup-mx/arc-key' });
    expect(config.routes[0]!.primary).toMatchObject({ port: 25, tls: 'verify' });
    expect(config.routes[0]!.primary.authSecretName).toBeUndefined();
    expect(port25Problems(config)).toEqual([]);
    expect(port25Problems({ ...config, egress: 'none' })).toHaveLength(1);
    expect(cloudKindOfHost(config.routes[0]!.primary.host)).toBe(kind);
  });

  it("doctor's links land on headings of the guide", () => {
    for (const { link } of Object.values(PRIMARY_SECTIONS)) {
      const [file, anchor] = link.split('#');
      expect(file).toBe('docs/primary-setup.md');
      expect(anchors).toContain(anchor);
    }
  });

  it("the README's links into the guide land on headings of the guide", () => {
    const linked = [...readme.matchAll(/\]\(docs\/primary-setup\.md#([^)]+)\)/g)].map((m) => m[1]!);
    expect(linked).toEqual(expect.arrayContaining(['google-workspace', 'microsoft-365', '2-arc', '3-backup-mx-as-a-trusted-arc-sealer', 'postfix', 'exim']));
    for (const anchor of linked) expect(anchors, anchor).toContain(anchor);
  });
});
