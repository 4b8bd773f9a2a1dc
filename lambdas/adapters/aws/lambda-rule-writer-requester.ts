// Asks the private rule writer (handlers/recipient-rule-writer.ts) to write
// a route's receipt rules from the newest stored list: an asynchronous invoke,
// so the public push answers at once while SES takes its one call a second.
// The writer reads the route from the digest-checked route table itself: the
// payload names a route and nothing else.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { RuleWriterRequester } from '../../core/recipients/ports.js';

/** The one event the rule writer takes (handlers/recipient-rule-writer.ts refuses any other shape). */
export interface ApplyRulesEvent {
  applyRules: string;
}

export class LambdaRuleWriterRequester implements RuleWriterRequester {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async requestRules(route: string): Promise<void> {
    const event: ApplyRulesEvent = { applyRules: route };
    await this.lambda.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(event)) }));
  }
}
