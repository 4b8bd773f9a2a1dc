// A stored recipient list the rule writer could not apply (its body missing or
// altered, or over the route's current budget) keeps the route's rules and
// lets the deploy succeed, so nothing fails that CloudFormation would show: the
// writer's ERROR line is counted into ErrorLines like every running function's.
import { describe, expect, it } from 'vitest';
import { ENGINE_ERROR_PATTERN, errorLinesMetricName, RUNTIME_FAILURE_PATTERN } from '../../../lib/constructs/error-lines.js';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

describe('the recipient rule writer\'s errors are counted', () => {
  it('with a synced route, the writer\'s log group carries both ErrorLines filters; without one there is no writer', () => {
    const synced = {
      ...BASE_CONTEXT,
      routes: [{ name: 'corp', domains: ['example.com'], recipientSync: { maxAddresses: 500 }, primary: { host: 'mail.example.com', port: 587, tls: 'verify' } }],
    };
    const { template } = buildStack(synced);
    const writer = Object.values(resources(template, 'AWS::Lambda::Function')).find((fn) => String(fn.Properties?.Description ?? '').includes('synced routes\' SES receipt rules'))!;
    const filters = Object.values(resources(template, 'AWS::Logs::MetricFilter')).filter(
      (f) => JSON.stringify(f.Properties!.LogGroupName) === JSON.stringify(writer.Properties!.LoggingConfig.LogGroup) && f.Properties!.MetricTransformations[0].MetricName === errorLinesMetricName('BackupMx'),
    );
    expect(filters.map((f) => f.Properties!.FilterPattern).sort()).toEqual([ENGINE_ERROR_PATTERN, RUNTIME_FAILURE_PATTERN].sort());
    const plain = buildStack(BASE_CONTEXT).template;
    expect(Object.values(resources(plain, 'AWS::Lambda::Function')).filter((fn) => String(fn.Properties?.Description ?? '').includes('synced routes\' SES receipt rules'))).toEqual([]);
  });
});
