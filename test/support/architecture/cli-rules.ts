// The CLI's dependency rule (docs/architecture.md): the operator's commands
// parse, call the engine's use cases and print, so mail and state (queues,
// the table, the bucket) are reached only through the adapters in
// lambdas/adapters. The few AWS clients the CLI may use itself are listed
// with the reason; any other is a decision to add here on purpose.
import path from 'node:path';
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
