// How the probe and drain reach primaries. "none": straight from Lambda (no
// port 25). "vpc-nat": private subnets behind a NAT gateway. "vpc-nat-instance":
// the same behind one small NAT instance (a few dollars a month instead of
// ~$36 plus $0.045/GB). Both VPC modes leave through one Elastic IP, which can
// be an existing allocation so the AWS port-25 allowance and the primary's
// allow-list survive a redeploy.
import { z } from 'zod';
import { matching, oneOf } from './field-schemas.js';

export const EGRESS_MODES = ['none', 'vpc-nat', 'vpc-nat-instance'] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];

const egressObject = z.strictObject({
  mode: oneOf(EGRESS_MODES),
  /** eipalloc-… of an Elastic IP the stack uses instead of creating one. */
  elasticIpAllocationId: matching(/^eipalloc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, 'an Elastic IP allocation id such as "eipalloc-0123456789abcdef0"').optional(),
});

/** `"egress": "vpc-nat-instance"` or `"egress": { "mode": ..., "elasticIpAllocationId": ... }`. */
export const egressSchema = z.preprocess(
  (value) => (value === undefined ? { mode: 'none' } : typeof value === 'string' ? { mode: value } : value),
  egressObject,
);

/** True when deliveries leave through a NAT (the only way Lambda can open port 25). */
export function egressReachesPort25(config: { egress: EgressMode }): boolean {
  return config.egress !== 'none';
}
