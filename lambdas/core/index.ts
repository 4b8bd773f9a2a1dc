// The engine's public surface, for handlers and the local runner.
export { AcceptMessage, type AcceptDeps, type AcceptResult } from './accept/accept-message.js';
export { DrainRoute } from './drain/drain-route.js';
export { SweepRoute } from './sweep/sweep-route.js';
export { ProbePrimaries, defaultSleep, type ProbeDeps, type ProbeOptions, type RouteProbeOutcome } from './probe/probe-primaries.js';
export type { DrainSummary, RunOptions, StopReason } from './drain/drain-summary.js';
export type { EngineDeps, EngineOptions, NotificationParser } from './drain/drain-deps.js';
export { RetryPolicy, DEFAULT_RETRY_SETTINGS, type RetrySettings } from './policy/retry-policy.js';
export { classifyReply, dsnStatus, formatReply } from './policy/smtp-reply-classifier.js';
export { buildDsn } from './outcome/dsn.js';
export { noticeFor, mustQuarantine } from './outcome/notice-policy.js';
export { receivedHeader } from './message/received-header.js';
export { readMessageHead, prependToStream } from './message/message-head.js';
