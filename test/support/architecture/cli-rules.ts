// The CLI's dependency rule (docs/architecture.md): the operator's commands
// parse, call the engine's use cases and print, so mail and state (queues,
// the table, the bucket) are reached only through the adapters in
// lambdas/adapters. The few AWS clients the CLI may use itself are listed
// with the reason; any other is a decision to add here on purpose.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { importsOf, sourceFiles, type Violation } from './dependency-rules.js';

/** AWS clients for mail and state: only adapters use them. */
const FORBIDDEN: { pattern: RegExp; why: string }[] = [
  { pattern: /^@aws-sdk\/client-sqs$/, why: 'SQS holds the mail queues and the dead-letter queue: reach them through an adapter (lambdas/adapters/aws) and a use case (lambdas/core/operator)' },
  { pattern: /^@aws-sdk\/(client-dynamodb|lib-dynamodb)$/, why: 'DynamoDB holds the ledger, index and records: reach it through an adapter (lambdas/adapters/aws) and a use case (lambdas/core/operator)' },
  { pattern: /^@aws-sdk\/(client-s3|lib-storage)$/, why: 'S3 holds the raw mail: reach it through MessageStore (lambdas/adapters/aws/s3-message-store.ts)' },
];

/** AWS clients the CLI may use itself, and why: they read the stack and its account, not mail or state. */
export const CLI_ALLOWED_AWS: Record<string, string> = {
  '@aws-sdk/client-cloudformation': 'finds the deployed stack and its outputs (stack-lookup.ts, aws-target.ts)',
  '@aws-sdk/client-cloudwatch': 'the reputation alarms `notices resume` checks first (aws-target.ts builds their adapter)',
  '@aws-sdk/client-lambda': 'reads the drain function\'s settings, invokes a flush, checks the trigger\'s reserved concurrency (doctor)',
  '@aws-sdk/client-ses': 'doctor\'s checks of the active rule set and verified identities',
  '@aws-sdk/client-sesv2': 'doctor\'s checks of the account\'s sending state and the notices\' configuration set',
  '@aws-sdk/client-sns': 'doctor\'s checks of the alarm topics\' subscriptions and policies',
};

/** The imports of the files under `cliDir` that break the rule; `repoRoot` names the files in the answer. */
export function cliViolations(cliDir: string, repoRoot: string): Violation[] {
  const violations: Violation[] = [];
  for (const file of sourceFiles(path.resolve(cliDir))) {
    const name = path.relative(repoRoot, file);
    for (const specifier of importsOf(file)) {
      const forbidden = FORBIDDEN.find((f) => f.pattern.test(specifier));
      if (forbidden) violations.push({ file: name, specifier, why: forbidden.why });
      else if (specifier.startsWith('@aws-sdk/') && !(specifier in CLI_ALLOWED_AWS)) {
        violations.push({ file: name, specifier, why: 'an AWS client the CLI has not been allowed: use an adapter, or add it to CLI_ALLOWED_AWS with the reason if it reads no mail or state' });
      }
    }
  }
  return violations;
}

/** What the engine keeps to itself: a command calls its use cases and the operator's, never the dependencies they run on. */
const ENGINE_INSIDES = new Set(['deps', 'clients']);
const ENGINE_INSIDES_WHY = 'reads the engine\'s dependencies: call a use case of the engine or the operator (lambdas/core/operator), which the composition root builds (lambdas/app/composition.ts)';

/** `engine` itself, or any `<x>.engine`, also in parentheses, with `!` or cast (`(target.engine as Engine)`). */
function isEngine(node: ts.Expression): boolean {
  let inner = node;
  while (ts.isParenthesizedExpression(inner) || ts.isNonNullExpression(inner) || ts.isAsExpression(inner) || ts.isTypeAssertionExpression(inner) || ts.isSatisfiesExpression(inner)) inner = inner.expression;
  if (ts.isIdentifier(inner)) return inner.text === 'engine';
  return (ts.isPropertyAccessExpression(inner) && inner.name.text === 'engine') || (ts.isElementAccessExpression(inner) && ts.isStringLiteral(inner.argumentExpression) && inner.argumentExpression.text === 'engine');
}

/** The name a property access, element access or destructuring element reads, if it is spelled out. */
function readName(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) return node.argumentExpression.text;
  return undefined;
}

/** Where a file under `cliDir` reads `deps` or `clients` of an engine (`target.engine.deps.x`, `engine['clients']`, `const { deps } = target.engine`). */
export function engineInsideReads(cliDir: string, repoRoot: string): Violation[] {
  const violations: Violation[] = [];
  for (const file of sourceFiles(path.resolve(cliDir))) {
    const name = path.relative(repoRoot, file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const report = (node: ts.Node, what: string) => {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      violations.push({ file: name, specifier: `${what} (line ${line})`, why: ENGINE_INSIDES_WHY });
    };
    const visit = (node: ts.Node): void => {
      const read = readName(node);
      if (read !== undefined && ENGINE_INSIDES.has(read) && isEngine((node as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression)) report(node, `engine.${read}`);
      if (ts.isVariableDeclaration(node) && node.initializer && ts.isObjectBindingPattern(node.name) && isEngine(node.initializer)) {
        for (const element of node.name.elements) {
          const key = element.propertyName ?? element.name;
          if ((ts.isIdentifier(key) || ts.isStringLiteral(key)) && ENGINE_INSIDES.has(key.text)) report(element, `{ ${key.text} } = engine`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return violations;
}
