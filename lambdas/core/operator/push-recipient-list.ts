// `backup-mx recipients push` and `recipients verify --push`: the operator
// pushes a synced route's list through the same use case as the primary's
// push (core/recipients/sync-recipients.ts: the same guards, the same store),
// with the operator's credentials instead of a signature. It says what
// changes first (the addresses added and removed), so a dry run stores
// nothing; where the rules are written by the stack's rule writer (a deployed
// stack), the list is stored and the writer asked, as after the primary's push.
import type { PushResult, PushPreview, SyncRecipients } from '../recipients/sync-recipients.js';
import type { RuleWriterRequester } from '../recipients/ports.js';

export interface PushListOptions {
  force?: boolean;
  dryRun?: boolean;
  /** "cli", "verify". */
  source: string;
}

export interface PushListOutcome {
  preview: PushPreview;
  /** Absent on a dry run. */
  result?: PushResult;
}

export interface PushRecipientListDeps {
  sync: Pick<SyncRecipients, 'push' | 'preview'>;
  /** Present: the rules are written by the stack's rule writer, asked after the list is stored. */
  ruleWriter?: RuleWriterRequester;
}

export class PushRecipientList {
  constructor(private readonly deps: PushRecipientListDeps) {}

  /** Throws RecipientPushRefused (from the preview or the push) naming the guard. */
  async run(route: string, lines: readonly string[], options: PushListOptions): Promise<PushListOutcome> {
    const force = options.force === true;
    const preview = await this.deps.sync.preview(route, lines, { force });
    if (options.dryRun) return { preview };
    const defer = this.deps.ruleWriter !== undefined;
    const result = await this.deps.sync.push(route, lines, { force, source: options.source, deferRules: defer });
    if (defer && result.rulesPending) await this.deps.ruleWriter!.requestRules(route);
    return { preview, result };
  }
}
