// The records of core/problems kept in memory. `failNext` makes the next call
// of an operation throw; `faults` fails them at random like the other fakes
// (`problems.get`, `deliveries.save`, `orphanWatch.last`, `canaryArrivals.record`,
// `queueDepth.depth`, ...).
import type {
  CanaryArrival,
  CanaryArrivals,
  DeliveryRecord,
  DeliveryRecords,
  OrphanWatchRecord,
  OrphanWatchRecords,
  ProblemScope,
  ProblemState,
  ProblemStates,
  QueueDepth,
} from '../../core/problems/problem-ports.js';
import type { FaultInjector } from './fault-injector.js';

class Failing<Op extends string> {
  failNext: Partial<Record<Op, Error>> = {};
  faults?: FaultInjector;

  constructor(private readonly name: string) {}

  protected check(op: Op): void {
    const error = this.failNext[op];
    if (error) {
      delete this.failNext[op];
      throw error;
    }
    this.faults?.check(`${this.name}.${op}`);
  }
}

export class InMemoryProblemStates extends Failing<'get' | 'save'> implements ProblemStates {
  readonly states = new Map<ProblemScope, ProblemState>();
  /** Every save, in order (a test counts the writes). */
  readonly saves: { scope: ProblemScope; state: ProblemState }[] = [];

  constructor() {
    super('problems');
  }

  async get(scope: ProblemScope): Promise<ProblemState | undefined> {
    this.check('get');
    const found = this.states.get(scope);
    return found && structuredClone(found);
  }

  async save(scope: ProblemScope, state: ProblemState): Promise<void> {
    this.check('save');
    this.states.set(scope, structuredClone(state));
    this.saves.push({ scope, state: structuredClone(state) });
  }
}

export class InMemoryDeliveryRecords extends Failing<'get' | 'save'> implements DeliveryRecords {
  readonly records = new Map<string, DeliveryRecord>();

  constructor() {
    super('deliveries');
  }

  async get(route: string): Promise<DeliveryRecord | undefined> {
    this.check('get');
    const found = this.records.get(route);
    return found && structuredClone(found);
  }

  async save(route: string, record: DeliveryRecord): Promise<void> {
    this.check('save');
    this.records.set(route, structuredClone(record));
  }
}

export class InMemoryOrphanWatchRecords extends Failing<'last' | 'record'> implements OrphanWatchRecords {
  found?: OrphanWatchRecord;

  constructor() {
    super('orphanWatch');
  }

  async last(): Promise<OrphanWatchRecord | undefined> {
    this.check('last');
    return this.found && structuredClone(this.found);
  }

  async record(found: OrphanWatchRecord): Promise<void> {
    this.check('record');
    this.found = structuredClone(found);
  }
}

export class InMemoryCanaryArrivals extends Failing<'last' | 'record'> implements CanaryArrivals {
  arrival?: CanaryArrival;

  constructor() {
    super('canaryArrivals');
  }

  async last(): Promise<CanaryArrival | undefined> {
    this.check('last');
    return this.arrival && structuredClone(this.arrival);
  }

  /** Only ever forward, as the table's conditional put. */
  async record(arrival: CanaryArrival): Promise<void> {
    this.check('record');
    if (!this.arrival || this.arrival.at < arrival.at) this.arrival = structuredClone(arrival);
  }
}

export class InMemoryQueueDepth extends Failing<'depth'> implements QueueDepth {
  constructor(public messages = 0) {
    super('queueDepth');
  }

  async depth(): Promise<number> {
    this.check('depth');
    return this.messages;
  }
}
