// The drain's delivery record across runs: deliveries-failing after 15
// minutes of failing runs (each within 5 minutes of the one before), ended by
// a delivery; primary-refuses-all after 20 refusals without a delivery.
import { describe, expect, it } from 'vitest';
import { deliveriesFailing, DELIVERIES_FAILING_MINUTES, FAILING_GAP_SECONDS, nextDeliveryRecord, REFUSALS_RECENT_SECONDS, refusesAll } from '../../../../lambdas/core/problems/delivery-record.js';
import type { DeliveryRecord } from '../../../../lambdas/core/problems/problem-ports.js';

const start = new Date('2026-01-05T10:00:00Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
const failed = { delivered: 0, deferred: 3, refused: 0, connectionFailed: true };
const allDeferred = { delivered: 0, deferred: 2, refused: 0, connectionFailed: false };
const delivered = { delivered: 1, deferred: 0, refused: 0, connectionFailed: false };

/** Runs one a minute from minute `from` to `to`, each failing. */
function failEveryMinute(record: DeliveryRecord | undefined, from: number, to: number, run = failed): DeliveryRecord | undefined {
  for (let m = from; m <= to; m++) record = nextDeliveryRecord(record, run, at(m)) ?? record;
  return record;
}

describe('the delivery record across drain runs', () => {
  it(`deliveries-failing: on after ${DELIVERIES_FAILING_MINUTES} minutes of failing runs, not a minute before`, () => {
    const record = failEveryMinute(undefined, 0, 15);
    expect(record?.failingSince).toEqual(at(0));
    expect(record?.lastFailure).toBe('connection-failed');
    expect(deliveriesFailing(record, at(14))).toBe(false);
    expect(deliveriesFailing(record, at(15))).toBe(true);
  });

  it('every message deferred and none delivered counts as failing too', () => {
    expect(deliveriesFailing(failEveryMinute(undefined, 0, 15, allDeferred), at(15))).toBe(true);
  });

  it('one delivery ends it at once, and a new streak starts from zero', () => {
    let record = failEveryMinute(undefined, 0, 20);
    record = nextDeliveryRecord(record, delivered, at(21));
    expect(record).toEqual({ lastDeliveredAt: at(21), refusedSinceDelivery: 0 });
    expect(deliveriesFailing(record, at(21))).toBe(false);
    record = failEveryMinute(record, 22, 30);
    expect(deliveriesFailing(record, at(30))).toBe(false);
  });

  it(`runs more than ${FAILING_GAP_SECONDS / 60} minutes apart start a new streak; a streak that stopped is over`, () => {
    let record = failEveryMinute(undefined, 0, 10);
    record = failEveryMinute(record, 16, 26);
    expect(record?.failingSince).toEqual(at(16));
    expect(deliveriesFailing(record, at(26))).toBe(false);
    // No failing run for over five minutes (no mail, or the primary went down): off.
    const long = failEveryMinute(undefined, 0, 20);
    expect(deliveriesFailing(long, at(20 + FAILING_GAP_SECONDS / 60 + 1))).toBe(false);
  });

  it('a run that did nothing changes nothing (nothing to write)', () => {
    expect(nextDeliveryRecord(failEveryMinute(undefined, 0, 3), { delivered: 0, deferred: 0, refused: 0, connectionFailed: false }, at(4))).toBeUndefined();
  });

  it('primary-refuses-all: 20 refusals without a delivery, the latest within the hour; a delivery ends it', () => {
    let record: DeliveryRecord | undefined;
    for (let m = 0; m < 19; m++) record = nextDeliveryRecord(record, { delivered: 0, deferred: 0, refused: 1, connectionFailed: false }, at(m));
    expect(refusesAll(record, at(19))).toBe(false);
    record = nextDeliveryRecord(record, { delivered: 0, deferred: 0, refused: 1, connectionFailed: false }, at(19));
    expect(record?.refusedSinceDelivery).toBe(20);
    expect(refusesAll(record, at(19))).toBe(true);
    expect(refusesAll(record, new Date(at(19).getTime() + REFUSALS_RECENT_SECONDS * 1000 + 1))).toBe(false);
    expect(refusesAll(nextDeliveryRecord(record, { delivered: 1, deferred: 0, refused: 5, connectionFailed: false }, at(20)), at(20))).toBe(false);
  });
});
