// Reads the import statements of a source tree (static imports, re-exports,
// dynamic import() and require) and says which break the engine's dependency
// rule (docs/architecture.md): core reaches the world only through its ports,
// so it imports nothing from the adapters, the wiring, the CLI, the local
// runner or the CDK app, and no SDK, mail library or file system.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Violation {
  /** The importing file, relative to the repository. */
  file: string;
  specifier: string;
  why: string;
}

/** Packages core must never import, and why. */
const FORBIDDEN_PACKAGES: { pattern: RegExp; why: string }[] = [
  { pattern: /^@aws-sdk\//, why: 'an AWS SDK client: AWS is reached through a port and its adapter in lambdas/adapters' },
  { pattern: /^@smithy\//, why: 'an AWS SDK internal: AWS is reached through a port and its adapter' },
  { pattern: /^nodemailer(\/|$)/, why: 'the SMTP library: the engine sends through SmtpTransport (drain/ports.ts)' },
  { pattern: /^(node:)?fs(\/promises)?$/, why: 'the file system: files are an adapter concern (local runner, export mailbox)' },
  { pattern: /^aws-cdk-lib(\/|$)|^constructs$/, why: 'the CDK: infrastructure lives in lib/' },
];

/**
 * The only packages core may import: pure computation and streams. A new one
 * is a decision (does it do I/O?), so it is added here on purpose.
 */
const ALLOWED_PACKAGES = new Set(['node:crypto', 'node:stream', 'node:stream/promises', 'node:buffer', 'node:util', 'node:events']);

/** Every .ts file under `dir`, recursively. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The module specifiers a file imports, re-exports, import()s or require()s (comments and strings ignored). */
export function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** The imports of the files under `coreDir` that break the rule; `repoRoot` names the files in the answer. */
export function coreViolations(coreDir: string, repoRoot: string): Violation[] {
  const root = path.resolve(coreDir);
  const violations: Violation[] = [];
  for (const file of sourceFiles(root)) {
    const name = path.relative(repoRoot, file);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (target !== root && !target.startsWith(root + path.sep)) {
          violations.push({ file: name, specifier, why: `leaves the engine for ${path.relative(repoRoot, target)}: core may import only core (adapters, app, handlers, cli, local and lib depend on core, never the reverse)` });
        }
        continue;
      }
      const forbidden = FORBIDDEN_PACKAGES.find((f) => f.pattern.test(specifier));
      if (forbidden) violations.push({ file: name, specifier, why: forbidden.why });
      else if (!ALLOWED_PACKAGES.has(specifier)) violations.push({ file: name, specifier, why: `a package core has not been allowed (${[...ALLOWED_PACKAGES].join(', ')}): add it to ALLOWED_PACKAGES only if it does no I/O` });
    }
  }
  return violations;
}
