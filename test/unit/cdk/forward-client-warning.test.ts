// Synth warns when a route tells its primary the original client (XCLIENT /
// XFORWARD, authorised by IP) but deliveries have no fixed address; the rule
// itself: test/unit/config/deploy-checks.test.ts.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, buildStack, deployedRoutes } from '../../support/cdk/stack-fixture.js';

const withMode = (forwardClient?: string) => ({
  ...BASE_CONTEXT,
  routes: [{ ...BASE_CONTEXT.routes[0]!, primary: { ...BASE_CONTEXT.routes[0]!.primary, ...(forwardClient ? { forwardClient } : {}) } }],
});

describe('forwardClient at synth', () => {
  it('warns without an egress mode, and the route table carries the mode to the drain', () => {
    const { stack, template } = buildStack(withMode('xclient'));
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('primary\\.forwardClient is "xclient" but "egress" is "none"'))).toHaveLength(1);
    expect((deployedRoutes(template) as { primary: { forwardClient?: string } }[])[0]!.primary.forwardClient).toBe('xclient');
  });

  it('no warning when it is off', () => {
    const { stack } = buildStack(withMode());
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('forwardClient'))).toEqual([]);
  });
});
