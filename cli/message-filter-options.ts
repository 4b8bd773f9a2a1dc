// The filter flags `mailq`, `delete` and `requeue` share: registered the same
// way on each, parsed by the engine's filter (core/operator/message-filter.ts),
// whose refusals become usage errors (exit 2) naming the flag.
import type { Command } from 'commander';
import { FilterError, isFiltering, parseMessageFilter, VERDICT_NAMES, type FilterInput, type MessageFilter } from '../lambdas/core/operator/message-filter.js';
import { UsageError } from './errors.js';

export const FILTER_HELP = `
Filters (combined with AND; addresses and subject compared without regard to case):
  --sender alice@example.org    the envelope sender (MAIL FROM); <> is the null sender of bounces
  --sender-domain example.org   the envelope sender's domain (that domain only, not its subdomains)
  --recipient bob@example.com   one of the envelope recipients (the whole message is selected)
  --older-than 3d               received at least this long ago: 90m, 2h, 3d, 1w
  --verdict spam=FAIL           an SES verdict as \`show\` prints it (${VERDICT_NAMES.join(', ')});
                                several values with commas (spf=FAIL,SOFTFAIL); repeat for more
                                verdicts. A queued message's verdicts are read from the head of
                                its stored object: one S3 read per message the other filters keep.
  --subject invoice             text the subject contains`;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the filter flags to a verb. */
export function addFilterOptions(command: Command): Command {
  return command
    .option('--sender <address>', 'only mail from this envelope sender (<> for bounces)')
    .option('--sender-domain <domain>', 'only mail whose envelope sender is in this domain')
    .option('--recipient <address>', 'only mail with this envelope recipient')
    .option('--older-than <age>', 'only mail received at least this long ago (90m, 2h, 3d, 1w)')
    .option('--verdict <name=value>', `only mail with this SES verdict (${VERDICT_NAMES.join('|')}=PASS|FAIL|GRAY|…); repeatable`, collect)
    .option('--subject <text>', 'only mail whose subject contains this text');
}

/** The filter the flags give, or undefined when none was given. */
export function filterFrom(options: FilterInput): MessageFilter | undefined {
  let filter: MessageFilter;
  try {
    filter = parseMessageFilter(options);
  } catch (error) {
    if (error instanceof FilterError) throw new UsageError(error.message);
    throw error;
  }
  return isFiltering(filter) ? filter : undefined;
}

/** The verb's options with the filter their flags give (a usage error for a bad value). */
export function withFilter<O extends FilterInput>(options: O): O & { filter?: MessageFilter } {
  const filter = filterFrom(options);
  return filter ? { ...options, filter } : options;
}
