// The one place a Lambda function touches its process environment: the
// handlers take it from here and pass it down; the BACKUPMX_* variables in it
// are parsed by config/settings.ts (and the route table's digest by
// runtime-settings.ts), never looked up elsewhere.

/** The function's environment, as Lambda set it (the stack's variables and AWS_REGION). */
export function lambdaEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** The region Lambda runs the function in (AWS_REGION, which Lambda always sets). */
export function regionOf(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION ?? 'us-east-1';
}
