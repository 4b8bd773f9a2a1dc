// The engine's public surface, for handlers and the local runner.
export { AcceptMessage, type AcceptDeps, type AcceptResult } from './accept-message.js';
export { DrainRoute } from './drain-route.js';
export { SweepRoute } from './sweep-route.js';
export { ProbePrimaries, defaultSleep, type ProbeDeps, type ProbeOptions, type RouteProbeOutcome } from './probe-primaries.js';
export type { DrainSummary, EngineDeps, EngineOptions, NotificationParser, RunOptions, StopReason } from './engine-types.js';
export { RetryPolicy, DEFAULT_RETRY_SETTINGS, type RetrySettings } from './retry-policy.js';
export { classifyReply, dsnStatus, formatReply } from './smtp-reply-classifier.js';
export { buildDsn } from './dsn.js';
export { noticeFor, mustQuarantine } from './notice-policy.js';
export { receivedHeader } from './received-header.js';
export { readMessageHead, prependToStream } from './message-head.js';
