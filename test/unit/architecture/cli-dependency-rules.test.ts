// The CLI's dependency rule: no file under cli/ imports the SQS, DynamoDB or
// S3 clients (mail and state go through adapters and the operator's use
// cases), and none reads the engine's dependencies (`engine.deps`,
// `engine.clients`): a command calls use cases. The checkers also run on a
// small tree of bad code, so a checker that finds nothing fails here too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ALLOWED_AWS, cliViolations, engineInsideReads } from '../../support/architecture/cli-rules.js';
import { importsOf, sourceFiles } from '../../support/architecture/dependency-rules.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cliDir = path.join(repoRoot, 'cli');

describe('dependency rule: cli/ reaches mail and state only through adapters', () => {
  it('holds for every file under cli/', () => {
    const files = sourceFiles(cliDir);
    expect(files.length).toBeGreaterThan(40);
    expect(files.some((f) => f.endsWith(path.join('commands', 'requeue.ts')))).toBe(true);
    expect(cliViolations(cliDir, repoRoot)).toEqual([]);
  });

  it('no file under cli/ reads the engine\'s dependencies or clients: commands call use cases', () => {
    expect(engineInsideReads(cliDir, repoRoot)).toEqual([]);
  });

  it('every allowed client is used somewhere (a stale allowance is removed)', () => {
    const used = new Set(sourceFiles(cliDir).flatMap((f) => importsOf(f)));
    for (const client of Object.keys(CLI_ALLOWED_AWS)) expect(used, client).toContain(client);
  });

  describe('the checker', () => {
    const fake = mkdtempSync(path.join(tmpdir(), 'cli-rules-'));
    afterAll(() => rmSync(fake, { recursive: true, force: true }));
    const cli = path.join(fake, 'cli');
    mkdirSync(path.join(cli, 'commands'), { recursive: true });
    writeFileSync(
      path.join(cli, 'commands/bad.ts'),
      [
        "import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';",
        "import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';",
        "import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "const s3 = await import('@aws-sdk/client-s3');",
        "import { Upload } from '@aws-sdk/lib-storage';",
        "import { KMSClient } from '@aws-sdk/client-kms';",
        "// import { ignored } from '@aws-sdk/client-sqs'; a comment is not an import",
        "import { CloudFormationClient } from '@aws-sdk/client-cloudformation';",
        "import { SqsMailQueue } from '../../lambdas/adapters/aws/sqs-mail-queue.js';",
      ].join('\n'),
    );
    writeFileSync(
      path.join(cli, 'commands/reaching.ts'),
      [
        'export async function mailq(target: Target) {',
        "  const queued = await target.engine.deps.index.listQueued('main');",
        '  const { deps, clients: aws } = target.engine;',
        "  const doc = target['engine']['clients'].doc;",
        '  const clock = engine.deps.clock ?? (target.engine as Engine)!.deps.clock;',
        '  // target.engine.deps.index in a comment reads nothing',
        "  const fine = [await target.operator.listQueued('main'), target.engine.settings, target.deps, composed.clients];",
        '  return [queued, deps, aws, doc, clock, fine];',
        '}',
      ].join('\n'),
    );

    it('names each forbidden or unlisted AWS client with its file and why, and lets allowed clients and adapters pass', () => {
      const found = cliViolations(cli, fake);
      expect(found.map((v) => v.specifier)).toEqual([
        '@aws-sdk/client-sqs',
        '@aws-sdk/lib-dynamodb',
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/client-s3',
        '@aws-sdk/lib-storage',
        '@aws-sdk/client-kms',
      ]);
      expect(found.every((v) => v.file === path.join('cli/commands/bad.ts'))).toBe(true);
      expect(found[0]!.why).toMatch(/through an adapter/);
      expect(found[5]!.why).toMatch(/not been allowed/);
    });

    it('names each read of the engine\'s deps or clients with its file and line, and lets use cases, the operator and a composition\'s output pass', () => {
      const found = engineInsideReads(cli, fake);
      expect(found.map((v) => v.specifier)).toEqual(['engine.deps (line 2)', '{ deps } = engine (line 3)', '{ clients } = engine (line 3)', 'engine.clients (line 4)', 'engine.deps (line 5)', 'engine.deps (line 5)']);
      expect(found.every((v) => v.file === path.join('cli/commands/reaching.ts'))).toBe(true);
      expect(found[0]!.why).toMatch(/call a use case of the engine or the operator/);
    });
  });
});

