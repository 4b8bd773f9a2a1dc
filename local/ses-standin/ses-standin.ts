// The local stand-in for SES receiving: an SMTP listener on loopback that
// does what an SES receipt rule set with one S3 action per route does.
//   MAIL/RCPT refused as SES would (smtp-limits.ts: no SMTPUTF8, ASCII
//             addresses, 100 recipients, RFC 5321 lengths); RCPT TO refused
//             with 550 unless a route's domains (and allow-list) match;
//   DATA end  refused with 552 over 40 MB (at MAIL when SIZE= says so), 550
//             with a line over 998 octets, nothing stored;
//   DATA end  SES's headers prepended, one object per route under
//             <prefix><messageId>, one notification per receipt rule that
//             matched (a route of more than 100 recipients has several) to
//             its route's topic,
//             spooled to disk when a spool is given; 250 only after all of
//             that succeeded, 451 otherwise so the sender retries (a 451
//             after some route's publish can mean that route sees the
//             message twice: at least once, never lost).
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { SpooledDelivery } from '../snapshot.js';
import { newSesMessageId } from './message-id.js';
import { buildReceivedNotification, fromDomain, objectKeyFor } from './received-notification.js';
import { asciiAddress, RecipientRouter } from './recipient-router.js';
import { SyncedLists } from './synced-lists.js';
import type { SesStandInOptions, StandInRoute } from './ses-standin-options.js';
import { ALL_PASS, sesPrependedHeaders } from './ses-headers.js';
import { listSome, plural } from '../words.js';
import { headerSection, parseHeaderFields } from '../../lambdas/core/message/header-fields.js';
import { selfSignedCertificate, type SelfSignedCertificate } from './self-signed-cert.js';
import { describeVerdicts, requestedVerdicts, VERDICT_HEADER } from './test-verdicts.js';
import {
  addressRefusal,
  LineLengthWatch,
  LONG_LINE_REFUSAL,
  MAX_COMMAND_OCTETS,
  MAX_RECIPIENTS,
  recipientCountRefusal,
  SES_MAX_MESSAGE_BYTES,
  type SmtpRefusal,
} from './smtp-limits.js';

export { SES_MAX_MESSAGE_BYTES } from './smtp-limits.js';
export const DEFAULT_SMTP_PORT = 2525;
export type { SesStandInOptions, StandInRoute } from './ses-standin-options.js';

class SmtpReplyError extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'SmtpReplyError';
  }
}

export class SesStandIn {
  private router: RecipientRouter;
  /** The routes as configured (seed lists); the pushed lists are laid over them. */
  private configured: StandInRoute[];
  /** The newest pushed list of each synced route. */
  private readonly pushed = new Map<string, string[]>();
  private readonly syncedLists?: SyncedLists;
  /** Every route seen since start: a message routed before a reload still finds its topic. */
  private readonly routes: Map<string, StandInRoute>;
  /** The router each transaction's RCPT TO was accepted by (smtp-server makes a new envelope per transaction), so a reload mid-transaction drops no recipient. */
  private readonly routerOf = new WeakMap<SMTPServerSession['envelope'], RecipientRouter>();
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private server?: SMTPServer;
  private boundPort?: number;
  private tls?: SelfSignedCertificate;

  constructor(private readonly options: SesStandInOptions) {
    this.configured = options.routes;
    this.router = new RecipientRouter(options.routes);
    if (options.syncedLists) {
      this.syncedLists = new SyncedLists(
        options.syncedLists,
        () => this.configured.filter((r) => r.synced).map((r) => r.name),
        (route, addresses) => {
          this.pushed.set(route, addresses);
          this.router = new RecipientRouter(this.withPushedLists(this.configured));
        },
        options.logger,
      );
    }
    this.routes = new Map(options.routes.map((route) => [route.name, route]));
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newMessageId ?? (() => newSesMessageId());
  }

  /** The runner's SIGHUP reload: new sessions take mail for these routes. */
  useRoutes(routes: StandInRoute[]): void {
    this.configured = routes;
    this.router = new RecipientRouter(this.withPushedLists(routes));
    for (const route of routes) this.routes.set(route.name, route);
  }

  /** The port it listens on (after start). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('SES stand-in is not listening');
    return this.boundPort;
  }

  /** The STARTTLS certificate (PEM) clients can trust, after start. */
  get certificate(): string {
    if (!this.tls) throw new Error('SES stand-in is not listening');
    return this.tls.cert;
  }

  async start(): Promise<number> {
    // The pushed lists are read before the first RCPT is answered.
    await this.syncedLists?.start();
    const host = this.options.host ?? '127.0.0.1';
    const name = this.options.serverName ?? 'localhost';
    this.tls = this.options.tls ?? selfSignedCertificate([...new Set([name, 'localhost', host])]);
    const server = new SMTPServer({
      name,
      key: this.tls.key,
      cert: this.tls.cert,
      banner: 'backup-mx local SES stand-in',
      size: this.options.maxMessageBytes ?? SES_MAX_MESSAGE_BYTES,
      rejectOversized: true,
      maxCommandLength: MAX_COMMAND_OCTETS,
      hideSMTPUTF8: true, // SES does not offer it
      authOptional: true,
      disabledCommands: ['AUTH'],
      disableReverseLookup: true,
      logger: false,
      closeTimeout: this.options.closeTimeoutMs ?? 5_000,
      onMailFrom: (address, session, callback) => {
        // This command's parameters: smtp-server leaves a refused MAIL's SMTPUTF8 flag in the envelope.
        const args = address.args as Record<string, unknown> | false;
        const smtpUtf8 = args !== false && args.SMTPUTF8 === true;
        const refusal = addressRefusal(address.address, 'sender', smtpUtf8);
        callback(refusal && this.refuse(refusal, `MAIL <${address.address}>`, session));
      },
      onRcptTo: (address, session, callback) => {
        const refusal =
          addressRefusal(address.address, 'recipient', false) ??
          recipientCountRefusal(session.envelope.rcptTo.length, this.options.maxRecipients ?? MAX_RECIPIENTS);
        if (refusal) return callback(this.refuse(refusal, `RCPT <${address.address}>`, session));
        const router = this.routerOf.get(session.envelope) ?? this.router;
        this.routerOf.set(session.envelope, router);
        if (router.routeFor(address.address)) return callback();
        this.options.logger.info(`refused RCPT <${address.address}> from ${session.remoteAddress}: 550 5.1.1, no route takes it (as SES refuses mail no receipt rule matches)`);
        callback(new SmtpReplyError(550, '5.1.1 Recipient address rejected'));
      },
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    server.on('error', (error) => this.options.logger.warn(`smtp: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.options.port ?? DEFAULT_SMTP_PORT, host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.server.address() as AddressInfo).port;
    this.options.logger.info(`listening for mail on ${host}:${this.boundPort} (SES stand-in, region ${this.options.region})`);
    return this.boundPort;
  }

  /** A synced route takes its pushed list instead of its seed once one was read; an empty list is never stored. */
  private withPushedLists(routes: StandInRoute[]): StandInRoute[] {
    return routes.map((route) => {
      const pushed = route.synced ? this.pushed.get(route.name) : undefined;
      return pushed && pushed.length > 0 ? { ...route, recipients: pushed } : route;
    });
  }

  /** Stops accepting and closes every client connection. */
  async stop(): Promise<void> {
    await this.syncedLists?.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Logs a refusal and makes the error smtp-server answers with. */
  private refuse(refusal: SmtpRefusal, what: string, session: SMTPServerSession): SmtpReplyError {
    this.options.logger.info(`refused ${what} from ${session.remoteAddress}: ${refusal.code} ${refusal.text.split(' ')[0]}, ${refusal.reason} (as SES refuses it)`);
    return new SmtpReplyError(refusal.code, refusal.text);
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    const lines = new LineLengthWatch();
    stream.on('data', (chunk: Buffer) => {
      lines.push(chunk);
      // Past a limit nothing more is kept: the message is refused at the end of DATA.
      if (!stream.sizeExceeded && !lines.exceeded) chunks.push(chunk);
    });
    stream.on('error', (error) => callback(error));
    stream.on('end', () => {
      // Over the limit: smtp-server answers 552 itself (rejectOversized).
      if (stream.sizeExceeded) return callback(new SmtpReplyError(552, '5.3.4 Message too big'));
      if (lines.exceeded) return callback(this.refuse(LONG_LINE_REFUSAL, 'a message', session));
      this.accept(session, Buffer.concat(chunks)).then(
        (messageId) => callback(null, `Ok ${messageId}`),
        (error: Error) => {
          this.options.logger.warn(`deferred a message (451): ${error.message}`);
          callback(new SmtpReplyError(451, '4.3.0 Temporary failure storing the message, try again later'));
        },
      );
    });
  }

  /** Stores, publishes and spools one message; resolves with its id only when all succeeded. */
  private async accept(session: SMTPServerSession, body: Buffer): Promise<string> {
    const { region, bucketName, store, publish, spool } = this.options;
    const sender = session.envelope.mailFrom ? asciiAddress(session.envelope.mailFrom.address) : '';
    const destination = session.envelope.rcptTo.map((rcpt) => asciiAddress(rcpt.address));
    // One notification per receipt rule that matched (a route split over several rules gets one per rule, as from SES).
    const byRule = new Map<string, { route: string; recipients: string[] }>();
    for (const address of destination) {
      const rule = (this.routerOf.get(session.envelope) ?? this.router).ruleFor(address);
      if (!rule) continue;
      const ruleKey = `${rule.route}\n${rule.chunk}`;
      byRule.set(ruleKey, { route: rule.route, recipients: [...(byRule.get(ruleKey)?.recipients ?? []), address] });
    }
    const messageId = this.newId();
    const receivedAt = this.clock();
    // Made up (nothing scans local mail): PASS unless the message asks for others.
    const requested = requestedVerdicts(this.options.verdicts ?? ALL_PASS, parseHeaderFields(headerSection(body)), destination);
    const verdicts = requested.verdicts;
    if (requested.ignored.length > 0) {
      this.options.logger.warn(`${VERDICT_HEADER}: ignored ${listSome(requested.ignored)} (expected spam|virus|spf|dkim|dmarc=PASS|FAIL|GRAY|PROCESSING_FAILED)`);
    }
    const headers = sesPrependedHeaders({
      messageId,
      region,
      sender,
      firstRecipient: destination[0],
      helo: session.hostNameAppearsAs || session.remoteAddress,
      clientHostname: session.clientHostname,
      clientIp: session.remoteAddress,
      fromDomain: fromDomain(body),
      receivedAt,
      verdicts,
    });
    const raw = Buffer.concat([Buffer.from(headers, 'utf8'), body]);

    const deliveries: SpooledDelivery[] = [];
    const stored = new Set<string>();
    for (const { route: routeName, recipients } of byRule.values()) {
      const route = this.routes.get(routeName)!;
      const objectKey = objectKeyFor(route.objectKeyPrefix, messageId);
      // Each rule's S3 action writes the same key: once is enough.
      if (!stored.has(objectKey)) await store.put(objectKey, raw);
      stored.add(objectKey);
      deliveries.push({ route: routeName, topicArn: route.topicArn, bucketName, objectKey, recipients, notification: '' });
    }
    // Every object is stored before anything is published: a failed put publishes nothing.
    for (const delivery of deliveries) {
      const route = this.routes.get(delivery.route)!;
      const notification = buildReceivedNotification(
        { messageId, receivedAt, sender, destination, raw },
        { topicArn: route.topicArn, bucketName, objectKeyPrefix: route.objectKeyPrefix },
        delivery.recipients,
        verdicts,
        this.clock(),
      );
      delivery.notification = JSON.stringify(notification);
      await publish(route.topicArn, delivery.notification);
    }
    const kept = deliveries.filter((d) => !this.routes.get(d.route)!.ephemeral);
    if (kept.length > 0) {
      await spool?.save({ version: 1, messageId, receivedAt: receivedAt.toISOString(), sender, size: raw.length, deliveries: kept }, raw);
    }
    const routes = deliveries.map((d) => `${d.route}: ${listSome(d.recipients)}`).join('; ');
    const made = describeVerdicts(verdicts);
    const verdictText = made ? ` verdicts: ${made} (as asked by the test message)` : '';
    this.options.logger.info(`queued ${messageId} from <${sender}> to ${plural(destination.length, 'recipient')} (${raw.length} bytes) [${routes}]${verdictText}`);
    return messageId;
  }
}
