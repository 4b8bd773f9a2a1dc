// Two custom resources must keep their logical ids across releases. If one
// moved (a construct renamed or re-parented) while its physical id stayed the
// same, CloudFormation would create the new resource and then delete the old
// one: the route table writer's delete removes the very item the new one just
// wrote (config / routes#<digest>, the same key), so every function would find
// no route table until the next deploy; the reservation's delete removes the
// trigger's reserved concurrency. Rename them only together with a change of
// their physical id. (Found by the red-team review of issue 17.)
import { describe, expect, it } from 'vitest';
import { buildStack } from '../../support/cdk/stack-fixture.js';

describe('custom resources whose replacement would undo their own work', () => {
  const { template } = buildStack();

  it('the route table writer keeps its logical id', () => {
    expect(Object.keys(template.findResources('Custom::AWS'))).toEqual(['FunctionsRouteTableWriterC7FEFDD8']);
  });

  it('the trigger concurrency reservation keeps its logical id', () => {
    expect(Object.keys(template.findResources('Custom::TriggerConcurrency'))).toEqual(['TriggerConcurrencyReservation5B123826']);
  });
});
