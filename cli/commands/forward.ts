// `backup-mx forward <id> --to <address>`: sends a held message to another
// address now (the primary is down, the mail is urgent). The engine's use case
// (core/operator/forward-message.ts) builds a new message from the notice
// sender with the original attached unchanged and sends it: through SES for
// the deployed stack, into the local outbox locally. The message itself stays
// queued for its primary; this parses, calls and prints.
import { ForwardRefusedError } from '../../lambdas/core/operator/forward-message.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { forwardedLine } from '../message-action-lines.js';
import type { Target } from '../target.js';
import { messageDetails } from './show.js';

export interface ForwardOptions {
  to: string;
  route?: string;
}

export async function forwardCommand(target: Target, id: string, options: ForwardOptions, io: CliIo): Promise<number> {
  // A message matched by two routes is stored once per route, the same bytes: one forward.
  const [detail] = await messageDetails(target, id, options.route);
  try {
    const done = await target.operator.forward.forward(detail!, options.to);
    io.out(forwardedLine(target, detail!, done));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ForwardRefusedError)) throw error;
    if (error.message.startsWith('to: ')) throw new UsageError(`--${error.message}`);
    throw new CliError(error.message, EXIT.failed);
  }
}
