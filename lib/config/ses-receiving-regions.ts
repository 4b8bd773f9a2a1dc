// The one list of regions where Amazon SES receives mail (has an
// inbound-smtp.<region>.amazonaws.com endpoint). Synth refuses any other
// region, because the receipt rules would deploy but no mail would arrive.
//
// AWS has widened SES receiving over time (2024: 11 regions; since then more
// regions have inbound endpoints in use). If AWS adds a region before this
// list does, add it here: nothing else in the project needs to change.

export const SES_RECEIVING_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-south-1',
  'eu-north-1',
  'il-central-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
];

export function sesReceivesMailIn(region: string): boolean {
  return SES_RECEIVING_REGIONS.includes(region);
}

/** The host senders reach when our MX record is used. */
export function sesInboundEndpoint(region: string): string {
  return `inbound-smtp.${region}.amazonaws.com`;
}

/**
 * True for any SES inbound SMTP host (any region, FIPS or not). Relaying to
 * one of these would hand the mail back to SES: a mail loop.
 */
export function isSesInboundHost(host: string): boolean {
  return /^inbound-smtp(-fips)?\.[a-z0-9-]+\.amazonaws\.com\.?$/i.test(host.trim());
}
