// The delivery log on Powertools Logger: one JSON line per attempt with the
// same keys every time (Postfix's to=, relay=, delay=, dsn=, status=), so
// CloudWatch Logs Insights can query attempts like a maillog.
import { Logger } from '@aws-lambda-powertools/logger';
import type { DeliveryLog } from '../../core/runtime/ports.js';

type AttemptEntry = Parameters<DeliveryLog['attempt']>[0];

export class PowertoolsDeliveryLog implements DeliveryLog {
  constructor(private readonly logger: Logger = new Logger({ serviceName: 'backup-mx' })) {}

  attempt(entry: AttemptEntry): void {
    // Spelled out so a caller's extra or missing field never changes the line's shape.
    this.logger.info('delivery attempt', {
      messageId: entry.messageId,
      recipient: entry.recipient,
      relay: entry.relay,
      delaySeconds: entry.delaySeconds,
      dsn: entry.dsn,
      status: entry.status,
      reply: entry.reply,
      route: entry.route,
    });
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    this.logger.info(message, fields);
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.logger.warn(message, fields);
  }

  error(message: string, fields: Record<string, unknown> = {}): void {
    this.logger.error(message, fields);
  }
}
