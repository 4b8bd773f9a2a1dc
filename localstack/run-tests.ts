// `npm run test:localstack`: the integration and end-to-end suites against
// LocalStack instead of the embedded emulators. The code under test reads
// AWS_ENDPOINT_URL (test/support/emulator-env.ts, the local runner), so this
// only checks that LocalStack answers, sets the variable and runs vitest.
// Extra arguments go to vitest (e.g. a single file).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/runner/runner-config.js';
import { localStackUrl, waitForLocalStack } from './localstack-endpoint.js';

const endpoint = localStackUrl();
try {
  await waitForLocalStack(endpoint, 10_000);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const suites = process.argv.length > 2 ? process.argv.slice(2) : ['test/integration', 'test/e2e'];
console.log(`running ${suites.join(' ')} against LocalStack at ${endpoint}`);
const vitest = spawn(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...suites], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
  env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_REGION: process.env.AWS_REGION || 'us-east-1' },
});
vitest.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
