// The configuration the function tests build their stack from (functions,
// function-permissions), and how they find each engine function.
export const FUNCTIONS_CONTEXT = {
  region: 'us-east-1',
  queueLifetimeDays: 9,
  probeIntervalSeconds: 20,
  retry: { minBackoffSeconds: 120, maxBackoffSeconds: 1800 },
  routes: [
    {
      name: 'corp',
      domains: ['example.com'],
      recipients: ['alice@example.com'],
      bouncePolicy: 'dead-letter',
      primary: { host: 'mail.example.com', port: 587, tls: 'verify', authSecretName: 'backup-mx/corp-smtp' },
    },
  ],
};

export const PROBE = 'checks each primary';
export const DRAIN = 'delivers one route queue';
export const ACCEPT = 'indexes each message';
