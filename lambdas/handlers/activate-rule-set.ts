// Custom resource (CDK Provider framework, onEvent) that activates our SES
// receipt rule set safely; the decisions live in RuleSetActivator.
import { SESClient } from '@aws-sdk/client-ses';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  RuleSetActivator,
  type RuleSetEvent,
  type RuleSetResult,
} from '../adapters/aws/rule-set/rule-set-activator.js';

/**
 * SES allows about one receipt-rule call per second per account; with the
 * SDK's default 3 attempts a deploy beside other SES work fails on throttling.
 * Standard retry mode backs off exponentially with jitter (up to 20 s).
 */
export const CONTROL_PLANE_MAX_ATTEMPTS = 10;

export function controlPlaneClients() {
  const options = { maxAttempts: CONTROL_PLANE_MAX_ATTEMPTS, retryMode: 'standard' as const };
  return { ses: new SESClient(options), cloudFormation: new CloudFormationClient(options) };
}

export const handler = async (event: RuleSetEvent): Promise<RuleSetResult> => {
  const { ses, cloudFormation } = controlPlaneClients();
  const activator = new RuleSetActivator(ses, cloudFormation);
  const result = await activator.handle(event);
  console.log(JSON.stringify({ requestType: event.RequestType, ...result }));
  return result;
};
