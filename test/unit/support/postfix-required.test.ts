// A Postfix test must not skip unnoticed where Postfix is required (CI).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postfixSkipReason } from '../../support/smtp/postfix-required.js';

const TEST_ROOT = path.resolve(import.meta.dirname, '../..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(full);
    return e.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('BACKUPMX_REQUIRE_POSTFIX', () => {
  it('turns a skip into a failure that names the test and the reason', () => {
    expect(postfixSkipReason('postfix is not installed', 'the dictionary-spam test', {})).toBe('postfix is not installed');
    expect(postfixSkipReason(undefined, 'the dictionary-spam test', { BACKUPMX_REQUIRE_POSTFIX: '1' })).toBeUndefined();
    expect(() => postfixSkipReason('postfix is not installed', 'the dictionary-spam test', { BACKUPMX_REQUIRE_POSTFIX: '1' })).toThrow(
      /the dictionary-spam test cannot run: postfix is not installed \(BACKUPMX_REQUIRE_POSTFIX=1/,
    );
  });

  it('is honoured by every test file that starts a real Postfix', () => {
    const postfixTests = testFiles(TEST_ROOT).filter((f) => f !== import.meta.filename && /PostfixPrimary|postfixUnavailable/.test(readFileSync(f, 'utf8')));
    expect(postfixTests.map((f) => path.relative(TEST_ROOT, f))).toEqual(expect.arrayContaining(['e2e/postfix-primary.test.ts', 'integration/postfix/dictionary-spam.test.ts']));
    for (const file of postfixTests) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).toMatch(/const unavailable = postfixSkipReason\(/);
      expect(source, file).toMatch(/skipIf\(unavailable !== undefined\)/);
    }
  });
});
