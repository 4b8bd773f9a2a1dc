export {};
import { runScale } from '../support/scale/scale-run.js';
const n = Number(process.argv[2] ?? 10000);
const f = await runScale({ name: 'try', messages: n, lifetimeDays: Number(process.argv[3] ?? 5), primaryBackAtDays: process.argv[4] ? Number(process.argv[4]) : undefined, faultRate: 0.002, seed: 42, sweepHoldSeconds: 43_200, maxDays: Number(process.argv[5] ?? 7) });
console.log(JSON.stringify(f));
