// Limits of AWS that a large configuration can reach, checked on the
// synthesized stack so synth fails naming the limit instead of the deploy
// failing half-way (or, for Lambda's environment, at the first update).
import { CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';


/** CloudFormation quotas per stack (CloudFormation User Guide, "Understand CloudFormation quotas"). */
export const CLOUDFORMATION_MAX_RESOURCES = 500;
export const CLOUDFORMATION_MAX_OUTPUTS = 200;
/** Lambda: all environment variables of a function together, keys and values (Lambda quotas). */
export const LAMBDA_MAX_ENVIRONMENT_BYTES = 4096;
/**
 * A CloudFormation reference in an environment value (a table name, a queue
 * URL) is unknown at synth; count it as this many bytes, more than any
 * name or URL this stack creates.
 */
export const TOKEN_ESTIMATE_BYTES = 160;

export interface StackFigures {
  resources: number;
  outputs: number;
  /** Estimated environment size per function path. */
  environmentBytes: Record<string, number>;
}

/** Size of a function's environment as Lambda counts it, with TOKEN_ESTIMATE_BYTES per reference. */
export function environmentBytes(stack: Stack, variables: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(variables)) {
    total += Buffer.byteLength(name);
    total += valueBytes(stack.resolve(value));
  }
  return total;
}

function valueBytes(resolved: unknown): number {
  if (typeof resolved === 'string') return Buffer.byteLength(resolved);
  if (typeof resolved === 'number') return String(resolved).length;
  if (resolved && typeof resolved === 'object') {
    const join = (resolved as Record<string, unknown>)['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].reduce<number>((sum, part) => sum + valueBytes(part), 0) + join[0].length * Math.max(0, join[1].length - 1);
    return TOKEN_ESTIMATE_BYTES;
  }
  return 0;
}

/** Counts what CloudFormation will count, from the construct tree. */
export function stackFigures(stack: Stack): StackFigures {
  const all = stack.node.findAll();
  const environment: Record<string, number> = {};
  for (const c of all) {
    if (c instanceof lambda.CfnFunction && Stack.of(c) === stack) {
      const env = stack.resolve(c.environment) as { variables?: Record<string, unknown> } | undefined;
      environment[c.node.path] = environmentBytes(stack, env?.variables ?? {});
    }
  }
  return {
    resources: all.filter((c) => c instanceof CfnResource && Stack.of(c) === stack).length,
    outputs: all.filter((c) => c instanceof CfnOutput && Stack.of(c) === stack).length,
    environmentBytes: environment,
  };
}

/** Problems with the stack's figures, each naming the AWS limit. */
export function limitProblems(figures: StackFigures): string[] {
  const problems: string[] = [];
  if (figures.resources > CLOUDFORMATION_MAX_RESOURCES) {
    problems.push(
      `the stack has ${figures.resources} resources; CloudFormation allows ${CLOUDFORMATION_MAX_RESOURCES} per stack. Use fewer routes (each adds a queue, a topic, a rule and alarms) or deploy a second stack (backupMx.stackName) for some domains`,
    );
  }
  if (figures.outputs > CLOUDFORMATION_MAX_OUTPUTS) {
    problems.push(`the stack has ${figures.outputs} outputs; CloudFormation allows ${CLOUDFORMATION_MAX_OUTPUTS} per stack. Use fewer routes or a second stack`);
  }
  for (const [path, bytes] of Object.entries(figures.environmentBytes)) {
    if (bytes > LAMBDA_MAX_ENVIRONMENT_BYTES) {
      problems.push(`${path}: its environment takes about ${bytes} bytes; Lambda allows ${LAMBDA_MAX_ENVIRONMENT_BYTES} for all variables together`);
    }
  }
  return problems;
}

/** Fails synth (node validation) when the finished stack passes an AWS limit. */
export function checkAwsLimits(stack: Stack): void {
  stack.node.addValidation({ validate: () => limitProblems(stackFigures(stack)) });
}

