// The stand-in's view of the recipient lists the primary pushes: every synced
// route's stored list is read again every interval (a second by default), and
// a new version replaces the route's allow-list, as the rules SES holds after
// a push would. Before the first push the route keeps its configured seed
// (recipients), as the deploy's custom resource writes it.
import type { RecipientRules } from '../../lambdas/core/recipients/ports.js';
import { receiptRuleChunks } from '../../lib/config/receipt-rule-chunks.js';
import type { LineLogger, SyncedListReader } from './ports.js';

/** How often the stored lists are read: a push shows within about this long. */
export const SYNCED_LIST_POLL_MS = 1_000;

export interface SyncedListsOptions {
  read: SyncedListReader;
  intervalMs?: number;
}

export class SyncedLists {
  private readonly versions = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly options: SyncedListsOptions,
    /** The routes that sync now (they change on a reload). */
    private readonly routes: () => string[],
    private readonly apply: (route: string, addresses: string[]) => void,
    private readonly logger: LineLogger,
  ) {}

  /** Reads every synced route once (before the stand-in listens), then keeps reading. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void (this.polling ??= this.poll().finally(() => (this.polling = undefined))), this.options.intervalMs ?? SYNCED_LIST_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  private async poll(): Promise<void> {
    for (const route of this.routes()) {
      try {
        const list = await this.options.read(route);
        if (!list || this.versions.get(route) === list.version) continue;
        this.versions.set(route, list.version);
        // As the rule writer does: an unreadable body is never applied, the rules in place stay.
        if (list.unreadable) {
          this.logger.warn(`route ${route}: recipient list version ${list.version} is unreadable (${list.unreadable.reason}); the last one read stays`);
          continue;
        }
        this.apply(route, list.addresses);
        this.logger.info(`route ${route}: recipient list version ${list.version} (${list.addresses.length} addresses) now decides what is accepted`);
      } catch (error) {
        this.logger.warn(`route ${route}: could not read its synced recipient list (${(error as Error).message}); the last one read stays`);
      }
    }
  }
}

/**
 * Locally there are no SES rules to write: the stand-in reads the stored list
 * itself, so the use case's rule writer only reports what SES would hold.
 */
export const LOCAL_RECIPIENT_RULES: RecipientRules = {
  apply: async (route, addresses) => ({ rules: receiptRuleChunks({ domains: route.domains, ...(addresses ? { recipients: addresses } : {}) }).length, created: 0, updated: 0, deleted: 0 }),
  remove: async () => 0,
};
