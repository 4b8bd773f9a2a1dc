// The real AWS adapters, one per port, plus the client factory.
export { createAwsClients, type AwsClientConfig, type AwsClients } from './clients.js';
export { S3MessageStore } from './s3-message-store.js';
export { SqsMailQueue } from './sqs-mail-queue.js';
export { DynamoLedger } from './dynamo-ledger.js';
export { DynamoRouteState } from './dynamo-route-state.js';
export { DynamoMessageIndex } from './dynamo-message-index.js';
export { DynamoDeadLetterStore } from './dynamo-dead-letter-store.js';
export { SesBounceMailer } from './ses-bounce-mailer.js';
export { LambdaDrainStarter, DrainStartError } from './lambda-drain-starter.js';
export { SecretsSmtpAuth, SmtpAuthSecretError, type SmtpAuthSource, type SmtpCredentials } from './secrets-smtp-auth.js';
export { PowertoolsDeliveryLog } from './powertools-delivery-log.js';
export { PowertoolsMetrics, METRICS_NAMESPACE } from './powertools-metrics.js';
export { SqsQueueDirectory } from './sqs-queue-directory.js';
