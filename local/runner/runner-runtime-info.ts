// What the runner writes into its runtime file for the `backup-mx --local`
// CLI: where everything is and the settings it runs with, and which files
// (configuration, secrets) it read — files only, never a secret's value.
import path from 'node:path';
import type { RuntimeInfo } from '../runtime-file.js';
import type { RunnerParts } from './local-backup-mx-options.js';
import { localSecretsFileFromEnv } from './runner-config.js';

export interface RuntimeInfoSource {
  parts: RunnerParts;
  startedAt: string;
  smtpPort: number;
  triggerPort?: number;
  env: NodeJS.ProcessEnv;
}

export function runnerRuntimeInfo({ parts, startedAt, smtpPort, triggerPort, env }: RuntimeInfoSource): RuntimeInfo {
  const { resources, dataDir, settings, loaded } = parts;
  const secretsFile = localSecretsFileFromEnv(env);
  return {
    pid: process.pid,
    startedAt,
    region: loaded.config.region,
    endpoints: parts.aws.endpoints,
    bucketName: settings.bucketName,
    tableName: settings.tableName,
    deadLetterQueueUrl: settings.deadLetterQueueUrl,
    routes: resources.routes.map((r) => ({ name: r.name, queueUrl: r.queue.url, topicArn: r.topicArn })),
    smtpPort,
    ...(triggerPort !== undefined ? { triggerPort } : {}),
    settings,
    ...(dataDir ? { dataDir } : {}),
    configFile: loaded.source,
    configFromCdkJson: loaded.fromCdkJson,
    ...(loaded.digest ? { configDigest: loaded.digest } : {}),
    ...(secretsFile ? { secretsFile: path.resolve(parts.cwd, secretsFile) } : {}),
  };
}
