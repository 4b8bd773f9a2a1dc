// Custom resource (CDK Provider framework, onEvent) that reserves concurrency
// for the trigger function when the account has room; the decisions live in
// ConcurrencyReservation.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ConcurrencyReservation, type ReservationEvent, type ReservationResult } from '../adapters/aws/concurrency-reservation.js';

export const handler = async (event: ReservationEvent): Promise<ReservationResult> => {
  const lambda = new LambdaClient({ maxAttempts: 5, retryMode: 'standard' });
  try {
    const result = await new ConcurrencyReservation(lambda).handle(event);
    console.log(JSON.stringify({ requestType: event.RequestType, ...result }));
    return result;
  } finally {
    lambda.destroy();
  }
};
