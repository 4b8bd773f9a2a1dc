import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupMxConfigError, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { parseRecipientsText } from '../../../lib/config/recipients-file.js';

const dir = mkdtempSync(join(tmpdir(), 'backup-mx-recipients-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withFile(name: string, text: string, route: Record<string, unknown> = {}) {
  writeFileSync(join(dir, name), text);
  return {
    region: 'us-east-1',
    routes: [{ name: 'corp', domains: ['example.com', 'example.org'], recipientsFile: name, primary: { host: 'mx.example.com', port: 587 }, ...route }],
  };
}

function problems(raw: unknown): string[] {
  try {
    parseBackupMxConfig(raw, { baseDir: dir });
  } catch (error) {
    if (error instanceof BackupMxConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('recipientsFile', () => {
  it('reads one address a line, skipping blanks and # comments, merged with recipients without duplicates', () => {
    const config = parseBackupMxConfig(
      withFile('list.txt', '# exported 2026-12-01\nalice@example.com\r\n\n  bob@EXAMPLE.com  \nalice@example.com\n', { recipients: ['carol@example.com', 'alice@example.com'] }),
      { baseDir: dir },
    );
    expect(config.routes[0]!.recipients).toEqual(['carol@example.com', 'alice@example.com', 'bob@example.com']);
    expect(config.routes[0]).not.toHaveProperty('recipientsFile');
  });

  it('resolves relative paths from baseDir and takes absolute ones as they are', () => {
    writeFileSync(join(dir, 'abs.txt'), 'x@example.org\n');
    const config = parseBackupMxConfig(withFile('unused.txt', '', { recipientsFile: join(dir, 'abs.txt') }), { baseDir: '/nonexistent' });
    expect(config.routes[0]!.recipients).toEqual(['x@example.org']);
  });

  it('names the file and line of a bad entry, and explains a catch-all', () => {
    expect(problems(withFile('bad.txt', 'alice@example.com\nnot an address\n@example.com\n'))).toEqual([
      'backupMx.routes[0].recipientsFile: bad.txt line 2: expected an e-mail address such as "alice@example.com", got "not an address"',
      'backupMx.routes[0].recipientsFile: bad.txt line 3: "@example.com" is a catch-all; leave that domain with no listed addresses instead',
    ]);
  });

  it('lists ten bad lines and counts the rest', () => {
    const text = Array.from({ length: 25 }, (_, i) => `bad${i}`).join('\n');
    const found = problems(withFile('many-bad.txt', text));
    expect(found).toHaveLength(11);
    expect(found[10]).toBe('backupMx.routes[0].recipientsFile: many-bad.txt: 15 more bad lines');
  });

  it('reports a missing file and an empty one', () => {
    expect(problems(withFile('x.txt', '', { recipientsFile: 'missing.txt' }))[0]).toMatch(
      /^backupMx\.routes\[0\]\.recipientsFile: missing\.txt: cannot read .*missing\.txt \(ENOENT\)$/,
    );
    expect(problems(withFile('empty.txt', '# nothing\n\n'))).toEqual(['backupMx.routes[0].recipientsFile: empty.txt: no addresses in the file']);
  });

  it("checks the file's addresses against the route's domains like listed ones", () => {
    expect(problems(withFile('other.txt', 'eve@example.net\n'))).toEqual([
      'backupMx.routes[0].recipients[0]: "eve@example.net" is not in this route\'s domains (example.com, example.org)',
    ]);
  });

  it('accepts what the README one-liner makes of `postmap -s` output', () => {
    // postmap -s hash:/etc/postfix/virtual | awk '$1 ~ /@/ {print $1}'
    const postmap = 'alice@example.com\talice\nexample.org\tanything\n@example.com\tcatchall\nbob@example.com\tbob\n';
    const oneLiner = postmap.split('\n').map((l) => l.split(/\s+/)[0]!).filter((k) => /@./.test(k) && !k.startsWith('@')).join('\n');
    expect(parseRecipientsText(oneLiner, 'f')).toEqual({ addresses: ['alice@example.com', 'bob@example.com'], problems: [] });
  });
});
