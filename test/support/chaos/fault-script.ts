// A ScriptedPrimary script that injects every fault a primary can show, at
// random from a seeded PRNG: 421 or a stall at the greeting, 451/452 per
// recipient, 451 after DATA, a drop mid-DATA, a drop after the final dot (the
// duplicate case), a stall after DATA and a dropped RCPT. Recipients in
// `unknown` are refused for good (550 5.1.1 or 554 5.7.1) on every attempt,
// as a real mailbox that does not exist would be. Each transient fault is
// also forced once early on (at a fixed step number), so every run sees all.
import type { DataAction, EnvelopeAction, GreetingAction, Reply } from '../../../local/smtp-peer/peer-steps.js';
import type { Script } from '../smtp/scripted-primary-script.js';
import type { SeededRandom } from './seeded-random.js';

export interface FaultRates {
  greeting421: number;
  greetingStall: number;
  rcpt451: number;
  rcpt452: number;
  rcptDrop: number;
  data451: number;
  dataDropMid: number;
  dataDropAfterDot: number;
  dataStall: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  greeting421: 0.04,
  greetingStall: 0.015,
  rcpt451: 0.04,
  rcpt452: 0.03,
  rcptDrop: 0.004,
  data451: 0.04,
  dataDropMid: 0.02,
  dataDropAfterDot: 0.025,
  dataStall: 0.012,
};

export type FaultName = keyof FaultRates | 'rcpt550' | 'rcpt554';

const PERMANENT: Record<'rcpt550' | 'rcpt554', Reply> = {
  rcpt550: { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' },
  rcpt554: { code: 554, enhanced: '5.7.1', text: 'Recipient address rejected: Access denied' },
};

export class FaultScript {
  /** How many times each fault was injected. */
  readonly injected: Record<FaultName, number> = {
    greeting421: 0, greetingStall: 0, rcpt451: 0, rcpt452: 0, rcptDrop: 0, data451: 0,
    dataDropMid: 0, dataDropAfterDot: 0, dataStall: 0, rcpt550: 0, rcpt554: 0,
  };

  constructor(
    private readonly random: SeededRandom,
    /** Address → which permanent refusal it always gets. */
    private readonly unknown: ReadonlyMap<string, 'rcpt550' | 'rcpt554'>,
    private readonly rates: FaultRates = DEFAULT_FAULT_RATES,
  ) {}

  get script(): Script {
    return {
      greeting: () => this.greeting(),
      rcpt: (to) => this.rcpt(to),
      data: () => this.data(),
    };
  }

  private readonly steps = { greeting: 0, rcpt: 0, data: 0 };
  /** Step number (per kind) from which each fault is forced if it has not happened yet. */
  private static readonly FORCED: Record<keyof FaultRates, [keyof FaultScript['steps'], number]> = {
    greeting421: ['greeting', 4], greetingStall: ['greeting', 9],
    rcpt451: ['rcpt', 7], rcpt452: ['rcpt', 14], rcptDrop: ['rcpt', 21],
    data451: ['data', 5], dataDropMid: ['data', 10], dataDropAfterDot: ['data', 15], dataStall: ['data', 20],
  };

  private roll(name: keyof FaultRates): boolean {
    const [kind, step] = FaultScript.FORCED[name];
    // From its step on, until it has happened once: an earlier fault in the same
    // step (which wins the roll) cannot make a run miss it.
    const forced = this.steps[kind] >= step && this.injected[name] === 0;
    if (!forced && !this.random.chance(this.rates[name])) return false;
    this.injected[name] += 1;
    return true;
  }

  private greeting(): GreetingAction {
    this.steps.greeting += 1;
    if (this.roll('greeting421')) return { code: 421, enhanced: '4.3.2', text: 'Service not available, closing transmission channel' };
    if (this.roll('greetingStall')) return 'stall';
    return 'accept';
  }

  private rcpt(to: string): EnvelopeAction {
    const permanent = this.unknown.get(to);
    if (permanent) {
      this.injected[permanent] += 1;
      return PERMANENT[permanent];
    }
    this.steps.rcpt += 1;
    if (this.roll('rcpt451')) return { code: 451, enhanced: '4.3.0', text: 'Temporary lookup failure' };
    if (this.roll('rcpt452')) return { code: 452, enhanced: '4.2.2', text: 'Mailbox full, try again later' };
    if (this.roll('rcptDrop')) return 'drop';
    return 'accept';
  }

  private data(): DataAction {
    this.steps.data += 1;
    if (this.roll('data451')) return { code: 451, enhanced: '4.3.0', text: 'Error: queue file write error' };
    if (this.roll('dataDropMid')) return 'drop-mid-data';
    if (this.roll('dataDropAfterDot')) return 'drop-after-dot';
    if (this.roll('dataStall')) return 'stall';
    return 'accept';
  }
}
