// `backup-mx forward <id> --to <address>`: sends a held message to another
// address now (the primary is down, the mail is urgent). The engine's use case
// (core/operator/forward-message.ts) builds a new message from the notice
// sender with the original attached unchanged and sends it: through SES for
// the deployed stack, into the local outbox locally. The message itself stays
// queued for its primary; this parses, calls and prints. The forward is kept
// in the message's history (`show` lists it) with the operator's user name.
import { ForwardRefusedError } from '../../lambdas/core/operator/forward-message.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { forwardedLine, notRecordedLine, operatorName } from '../message-action-lines.js';
import type { Target } from '../target.js';
import { messageDetails } from './show.js';

export interface ForwardOptions {
  to: string;
  route?: string;
  /** Who forwards it, as the message's history says; by default the local user running the CLI (or the console). */
  by?: string;
}

export async function forwardCommand(target: Target, id: string, options: ForwardOptions, io: CliIo): Promise<number> {
  // A message matched by two routes is stored once per route, the same bytes: one forward.
  const [detail] = await messageDetails(target, id, options.route);
  try {
    const done = await target.operator.forward.forward(detail!, options.to, options.by ?? operatorName());
    io.out(forwardedLine(target, detail!, done));
    // Sent is sent: a history that could not be written is a warning, never a failure (a retry would send it twice).
    if (done.notRecorded !== undefined) io.err(notRecordedLine(done.notRecorded));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ForwardRefusedError)) throw error;
    if (error.message.startsWith('to: ')) throw new UsageError(`--${error.message}`);
    throw new CliError(error.message, EXIT.failed);
  }
}
