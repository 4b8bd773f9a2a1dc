// The settings of the two functions that keep the synced routes' recipient
// lists: the recipient push (the primary's signed list upload) and the rule
// writer's push pass. Variable names and SettingsError are settings.ts's.
import { ENV, SettingsError } from './settings.js';

export interface RecipientPushSettings {
  tableName: string;
  bucketName: string;
  ruleWriterFunctionName: string;
  routeTableDigest: string;
  maxBodyBytes: number;
  /** A dimension of its RecipientPushRefused and RecipientsRemoved metrics. */
  stackName: string;
}

/** Reads the recipient push function's settings; throws SettingsError naming each missing or bad variable. */
export function loadRecipientPushSettings(env: NodeJS.ProcessEnv): RecipientPushSettings {
  const names = { tableName: ENV.tableName, bucketName: ENV.bucketName, ruleWriterFunctionName: ENV.ruleWriterFunctionName, routeTableDigest: ENV.routeTableDigest, stackName: ENV.stackName } as const;
  const problems = [...Object.values(names), ENV.pushMaxBodyBytes].filter((name) => !env[name]).map((name) => `${name}: required by the recipient push function`);
  const digest = env[ENV.routeTableDigest];
  if (digest && !/^[0-9a-f]{64}$/.test(digest)) problems.push(`${ENV.routeTableDigest}: expected 64 hex digits`);
  const maxBodyBytes = Number(env[ENV.pushMaxBodyBytes]);
  if (env[ENV.pushMaxBodyBytes] && !(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)) problems.push(`${ENV.pushMaxBodyBytes}: expected a positive whole number of bytes`);
  if (problems.length > 0) throw new SettingsError(`invalid recipient push settings (the stack sets them: deploy again):\n  ${problems.join('\n  ')}`);
  return {
    ...(Object.fromEntries(Object.entries(names).map(([key, name]) => [key, env[name]!])) as Omit<RecipientPushSettings, 'maxBodyBytes'>),
    maxBodyBytes,
  };
}

export interface RuleWriterSettings {
  tableName: string;
  bucketName: string;
  ruleSetName: string;
  routeTableDigest: string;
}

/** The rule writer's settings for a push's pass (the CloudFormation events carry their own); throws SettingsError naming each missing variable. */
export function loadRuleWriterSettings(env: NodeJS.ProcessEnv): RuleWriterSettings {
  const names = { tableName: ENV.tableName, bucketName: ENV.bucketName, ruleSetName: ENV.ruleSetName, routeTableDigest: ENV.routeTableDigest } as const;
  const problems = Object.values(names).filter((name) => !env[name]).map((name) => `${name}: required by the rule writer's push pass`);
  if (problems.length > 0) throw new SettingsError(`invalid rule writer settings (the stack sets them: deploy again):\n  ${problems.join('\n  ')}`);
  return Object.fromEntries(Object.entries(names).map(([key, name]) => [key, env[name]!])) as unknown as RuleWriterSettings;
}
