// Picks the target from the global options: --local or the deployed stack.
import { awsTarget } from './aws-target.js';
import { localTarget } from './local-target.js';
import type { Target, TargetOptions } from './target.js';

export function resolveTarget(options: TargetOptions, err: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  return options.local ? localTarget(options, err, env) : awsTarget(options, err, env);
}
