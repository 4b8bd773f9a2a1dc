// Creates on LocalStack the resources the local runner uses (bucket, table,
// dead-letter queue, a topic and queue per route, with the fixed
// `backupmx-local-*` names), from the same configuration as `npm start`
// (BACKUPMX_CONTEXT_FILE or cdk.json), through local/provision.ts.
// Idempotent: run it again after changing the routes.
//
//   npx tsx localstack/provision.ts
//
// `AWS_ENDPOINT_URL=http://localhost:4566 npm start` does the same at start;
// this script is for looking at the resources (awslocal) before that.
import { createAwsClients } from '../lambdas/adapters/aws/clients.js';
import { provision } from '../local/provision.js';
import { DEFAULT_NAME_PREFIX, resourceNames } from '../local/runner/local-settings.js';
import { loadRunnerConfig } from '../local/runner/runner-config.js';
import { localStackUrl, waitForLocalStack } from './localstack-endpoint.js';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = localStackUrl();
  const { config, source } = await loadRunnerConfig(process.env);
  await waitForLocalStack(endpoint);
  const clients = createAwsClients({ region: config.region, endpoint });
  try {
    const made = await provision(clients, resourceNames(process.env.BACKUPMX_NAME_PREFIX || DEFAULT_NAME_PREFIX, config));
    console.log(`backup-mx resources on ${endpoint} (region ${config.region}, configuration ${source}):`);
    console.log(`  bucket       ${made.bucketName}`);
    console.log(`  table        ${made.tableName}`);
    console.log(`  dead letters ${made.deadLetterQueue.url}`);
    for (const route of made.routes) {
      console.log(`  route ${route.name}: topic ${route.topicArn}`);
      console.log(`  ${' '.repeat(route.name.length + 7)}queue ${route.queue.url}`);
    }
  } finally {
    clients.destroy();
  }
}

main().catch((error: Error) => {
  console.error(`localstack/provision: ${error.message}`);
  process.exitCode = 1;
});
