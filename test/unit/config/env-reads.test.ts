// One place reads each program's environment (STYLE.md 8 and 16): the
// Lambdas through lambdas/app/lambda-env.ts and config/settings.ts (with its
// per-function part recipient-push-settings.ts), the
// local runner through local/runner/runner-config.ts, the bench through
// bench/bench-variables.ts; everything else is handed values or an env
// object it passes on. A new `process.env` or `env.SOME_VARIABLE` elsewhere
// fails here: read it in the program's one place and pass it down.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** The code of a file without its comments (a comment may name a variable). */
function code(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
}

const PROCESS_ENV = /\bprocess\.env\b/;
/** `env.AWS_REGION`, `env[ENV.tableName]`, `env[name]`: a look-up of a named variable in an environment object. */
const NAMED_READ = /\benv(\.[A-Z][A-Z0-9_]*\b|\[)/;

const filesMatching = (dir: string, pattern: RegExp) => sourceFiles(dir).filter((file) => pattern.test(code(file))).sort();

interface Program {
  dir: string;
  /** Files that may touch process.env, and why. */
  processEnv: Record<string, string>;
  /** Files that may look a variable up in an env object, and why. */
  namedReads: Record<string, string>;
}

const PROGRAMS: Record<string, Program> = {
  'the Lambda functions': {
    dir: 'lambdas',
    processEnv: {
      'lambdas/app/lambda-env.ts': 'the functions take their environment here',
      'lambdas/adapters/aws/clients.ts': "the SDK's endpoint and credential look-up when a caller passes no env",
    },
    namedReads: {
      'lambdas/app/lambda-env.ts': 'AWS_REGION',
      'lambdas/config/settings.ts': 'every BACKUPMX_* variable, parsed and checked',
      'lambdas/config/recipient-push-settings.ts': "the recipient push's and the rule writer's BACKUPMX_* variables (settings.ts's names, split for size)",
      'lambdas/app/runtime-settings.ts': 'whether the routes come from the route table, and its digest',
      'lambdas/adapters/aws/clients.ts': 'AWS_ENDPOINT_URL and the credential variables',
    },
  },
  'the local runner': {
    dir: 'local',
    processEnv: { 'local/runner/runner-config.ts': "the runner's process environment" },
    namedReads: { 'local/runner/runner-config.ts': 'every BACKUPMX_* variable of the runner, and the engine tuning ones' },
  },
  'the bench': {
    dir: 'bench',
    processEnv: { 'bench/bench-variables.ts': 'BENCH_* read once' },
    namedReads: {},
  },
  'the stack': {
    dir: 'lib',
    processEnv: {},
    namedReads: {},
  },
  'the CLI': {
    dir: 'cli',
    processEnv: { 'cli/main.ts': 'the entry point hands process.env to readCliEnv once' },
    namedReads: { 'cli/cli-env.ts': 'BACKUPMX_DATA_DIR, BACKUPMX_LOCAL_SECRETS, BACKUPMX_CONTEXT_FILE, AWS_REGION / AWS_DEFAULT_REGION' },
  },
};

describe('one place reads each program\'s environment', () => {
  for (const [name, program] of Object.entries(PROGRAMS)) {
    it(`${name}: process.env only in ${Object.keys(program.processEnv).join(', ') || 'no file'}`, () => {
      expect(filesMatching(program.dir, PROCESS_ENV)).toEqual(Object.keys(program.processEnv).sort());
    });

    it(`${name}: variables looked up only in ${Object.keys(program.namedReads).join(', ') || 'no file'}`, () => {
      expect(filesMatching(program.dir, NAMED_READ)).toEqual(Object.keys(program.namedReads).sort());
    });
  }

  it('the engine core reads no environment at all, and engine.ts takes its region from the platform', () => {
    expect(filesMatching('lambdas/core', PROCESS_ENV)).toEqual([]);
    expect(code('lambdas/app/engine.ts')).not.toMatch(/AWS_REGION|process\.env/);
    expect(code('lambdas/app/compose.ts')).not.toMatch(/AWS_REGION|process\.env/);
  });

  it('the patterns find what they must (the test is not blind)', () => {
    expect(PROCESS_ENV.test('const x = process.env.FOO;')).toBe(true);
    expect(NAMED_READ.test('const r = env.AWS_REGION;')).toBe(true);
    expect(NAMED_READ.test('const t = env[ENV.tableName];')).toBe(true);
    expect(NAMED_READ.test('const e = runnerEnv.endpoint;')).toBe(false);
  });
});
