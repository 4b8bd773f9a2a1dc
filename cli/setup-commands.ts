// The verbs that check the setup rather than the mail: doctor (what to fix)
// and cost (what the stack costs idle, from its template, no AWS access).
import { type Command, Option } from 'commander';
import type { CliIo } from './cli-io.js';
import { asCommanderArg, type Run, type RunLocal } from './command-runner.js';
import { costCommand, type CostOptions } from './commands/cost.js';
import { doctorCommand } from './commands/doctor.js';
import { parseDnsServer } from './doctor/dns-server-arg.js';

export function registerSetupCommands(program: Command, run: Run, runWithoutTarget: RunLocal, io: CliIo): void {
  program
    .command('doctor')
    .description('check the setup and say what to fix: MX records, SES identity, active rule set, receiving region, primary reachable, backscatter risk, dead-letter queue, SES suppression list and DSN sending, alarm subscription')
    .addOption(new Option('--dns-server <host:port>', 'DNS server (IP address, optional port) to ask for MX records (default: the system\'s)').argParser(asCommanderArg(parseDnsServer)))
    .option('--json', 'machine-readable output')
    .action(run((t, opts) => doctorCommand(t, opts, io)));

  program
    .command('cost')
    .description('what the stack of this configuration costs a month with no mail, item by item, read off its synthesized template (no AWS access needed)')
    .option('--cdk-json <path>', 'the cdk.json whose backupMx context to price (default: ./cdk.json)')
    .option('--json', 'machine-readable output')
    .action(runWithoutTarget((opts: CostOptions) => costCommand(opts, io)));
}
