// The engine's dependency rule (docs/architecture.md, "The dependency rule"): every
// file under lambdas/core imports only core and a few pure Node modules. The
// checker is also run on a small tree of bad imports, so a checker that
// finds nothing fails here too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { coreViolations, importsOf, sourceFiles } from '../../support/architecture/dependency-rules.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const coreDir = path.join(repoRoot, 'lambdas/core');

describe('dependency rule: core imports no adapter, SDK or file system', () => {
  it('holds for every file under lambdas/core', () => {
    const files = sourceFiles(coreDir);
    // The walk reaches the stage folders (a walk that found nothing would pass vacuously).
    expect(files.length).toBeGreaterThan(60);
    expect(files.some((f) => f.endsWith(path.join('drain', 'deliver-message.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(path.join('recipients', 'sync-recipients.ts')))).toBe(true);
    expect(coreViolations(coreDir, repoRoot)).toEqual([]);
  });

  describe('the checker', () => {
    const fake = mkdtempSync(path.join(tmpdir(), 'dependency-rules-'));
    afterAll(() => rmSync(fake, { recursive: true, force: true }));
    const core = path.join(fake, 'lambdas/core');
    mkdirSync(path.join(core, 'drain'), { recursive: true });
    mkdirSync(path.join(fake, 'lambdas/adapters'), { recursive: true });
    writeFileSync(
      path.join(core, 'drain/bad.ts'),
      [
        "import { S3Client } from '@aws-sdk/client-s3';",
        "import nodemailer from 'nodemailer';",
        "import { readFileSync } from 'node:fs';",
        "import { writeFile } from 'fs/promises';",
        "import { App } from 'aws-cdk-lib';",
        "export { SqsMailQueue } from '../../adapters/aws/sqs-mail-queue.js';",
        "import type { Settings } from '../../config/settings.js';",
        "const engine = await import('../../app/engine.js');",
        "const cli = require('../../../cli/main.js');",
        "import { thing } from '../../../local/runner/x.js';",
        "import { stack } from '../../../lib/backup-mx-stack.js';",
        "import { request } from 'node:https';",
        "// import { ignored } from '@aws-sdk/client-sqs'; a comment is not an import",
        "import { ok } from '../model.js';",
        "import { randomBytes } from 'node:crypto';",
      ].join('\n'),
    );

    it('finds static, type-only, re-exported, dynamic and required imports', () => {
      expect(importsOf(path.join(core, 'drain/bad.ts'))).toContain('../../app/engine.js');
      expect(importsOf(path.join(core, 'drain/bad.ts'))).toContain('../../../cli/main.js');
      expect(importsOf(path.join(core, 'drain/bad.ts'))).not.toContain('@aws-sdk/client-sqs');
    });

    it('names each bad import with its file and why, and lets core and allowed modules pass', () => {
      const found = coreViolations(core, fake);
      expect(found.map((v) => v.specifier)).toEqual([
        '@aws-sdk/client-s3',
        'nodemailer',
        'node:fs',
        'fs/promises',
        'aws-cdk-lib',
        '../../adapters/aws/sqs-mail-queue.js',
        '../../config/settings.js',
        '../../app/engine.js',
        '../../../cli/main.js',
        '../../../local/runner/x.js',
        '../../../lib/backup-mx-stack.js',
        'node:https',
      ]);
      expect(found.every((v) => v.file === path.join('lambdas/core/drain/bad.ts'))).toBe(true);
      expect(found[0]!.why).toMatch(/AWS SDK/);
      expect(found[5]!.why).toMatch(/leaves the engine for lambdas\/adapters\/aws\/sqs-mail-queue\.js/);
      expect(found[11]!.why).toMatch(/has not been allowed/);
    });
  });
});
