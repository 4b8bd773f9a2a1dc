// The error line a function writes when it refuses the route table it read
// (lambdas/config/route-table.ts), before the error fails the invocation and
// is an ERROR line the ErrorLines alarm counts. Apart from runtime-settings.ts so the
// trigger, which builds no engine, can use it without bundling one.
import { RouteTableDigestError } from '../config/route-table.js';
import type { DeliveryLog } from '../core/runtime/ports.js';

export function reportRefusedTable(error: unknown, log: Pick<DeliveryLog, 'error'>): void {
  if (error instanceof RouteTableDigestError) {
    log.error('ROUTE TABLE REFUSED: it does not match the digest this function was deployed with', { expected: error.expected, found: error.found });
  }
}
