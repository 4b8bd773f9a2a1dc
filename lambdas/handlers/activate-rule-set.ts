// Custom resource (CDK Provider framework, onEvent) that activates our SES
// receipt rule set safely; the decisions live in RuleSetActivator.
import { SESClient } from '@aws-sdk/client-ses';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  RuleSetActivator,
  type RuleSetEvent,
  type RuleSetResult,
} from '../adapters/aws/rule-set/rule-set-activator.js';

export const handler = async (event: RuleSetEvent): Promise<RuleSetResult> => {
  const activator = new RuleSetActivator(new SESClient({}), new CloudFormationClient({}));
  const result = await activator.handle(event);
  console.log(JSON.stringify({ requestType: event.RequestType, ...result }));
  return result;
};
