// The time a backlog takes to reach the primary, from a measured drain rate:
// a drain works `budgetSeconds` (the deployed 600 s timeout less one SMTP
// timeout and a margin = 240 s), then the next one starts either when the
// probe sees mail (up to one scheduler minute later, 30 s on average) or at
// once when the drain starts its own successor.
export const DEPLOYED_DRAIN_BUDGET_SECONDS = 240;

export interface BacklogFigure {
  messages: number;
  messagesPerSecond: number;
  drainRuns: number;
  /** Successor started by the drain itself: a cold start's worth of gap between runs. */
  minutesWithSuccessor: number;
  /** Next drain started by the probe: a wait of up to one minute (30 s mean) between runs. */
  minutesWaitingForProbe: number;
  minutesWaitingForProbeWorst: number;
}

export function backlogTime(messages: number, messagesPerSecond: number, opts: { budgetSeconds?: number; successorGapSeconds?: number } = {}): BacklogFigure {
  const budget = opts.budgetSeconds ?? DEPLOYED_DRAIN_BUDGET_SECONDS;
  const work = messages / Math.max(0.001, messagesPerSecond);
  const runs = Math.max(1, Math.ceil(work / budget));
  const gaps = runs - 1;
  const minutes = (gapSeconds: number) => Math.round(((work + gaps * gapSeconds) / 60) * 10) / 10;
  return {
    messages,
    messagesPerSecond,
    drainRuns: runs,
    minutesWithSuccessor: minutes(opts.successorGapSeconds ?? 1),
    minutesWaitingForProbe: minutes(30),
    minutesWaitingForProbeWorst: minutes(60),
  };
}
