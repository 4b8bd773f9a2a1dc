// The console's actions on a route: hold, release, flush, schedule and cancel
// a maintenance window. Each runs the operator's use case (target.operator.hold,
// target.drain) and reports with the CLI's own words (route-action-lines.ts).
import { WindowRefusedError } from '../../../lambdas/core/probe/maintenance-windows.js';
import { UsageError } from '../../errors.js';
import { alreadyHeldLine, cancelledLine, describeDrain, drainFailed, explainStop, heldLine, inFlightLine, insideWindowLine, releasedLine, resumeAfterWindowLine, resumeLine, scheduledLines } from '../../route-action-lines.js';
import { routeOf } from '../../target.js';
import { parseTimeArg } from '../../time-arg.js';
import { html } from '../html.js';
import { field, required, result, routeField, type ConsoleAction } from './action-fields.js';

export const ROUTE_ACTIONS: [string, ConsoleAction][] = [
  [
    'hold',
    {
      fields: ['route', 'reason'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        const reason = field(fields, 'reason');
        return {
          question: `Hold route ${route} now?`,
          details: html`<p>Mail is still accepted and queued, but nothing is delivered to the primary until you release the route${reason ? html` (reason: ${reason})` : ''}.</p>`,
          button: `Hold ${route}`,
          fields: { route, ...(reason ? { reason } : {}) },
        };
      },
      async run(target, fields) {
        const route = routeOf(target, required(fields, 'route'));
        const held = await target.operator.hold.hold(route, field(fields, 'reason'));
        if ('already' in held) return result([alreadyHeldLine(route.name, held.already, target.operator.now())]);
        return result([inFlightLine(held.inFlight), heldLine(route.name)]);
      },
    },
  ],
  [
    'release',
    {
      fields: ['route'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        return { question: `Release route ${route}?`, details: html`<p>Deliveries resume at the next probe (or now with Flush).</p>`, button: `Release ${route}`, fields: { route } };
      },
      async run(target, fields) {
        const route = routeOf(target, required(fields, 'route'));
        const released = await target.operator.hold.release(route);
        return result([releasedLine(route.name, released, target.operator.now()), await insideWindowLine(target, route.name), resumeLine(route.name, target.settings.probeIntervalSeconds)]);
      },
    },
  ],
  [
    'flush',
    {
      fields: ['route'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        return {
          question: `Flush route ${route} now?`,
          details: html`<p>One drain of the queue to the primary now${target.kind === 'aws' ? ' (the drain function, synchronously)' : ''}; a hold or a window still stops it.</p>`,
          button: `Flush ${route}`,
          fields: { route },
        };
      },
      async run(target, fields) {
        const route = routeField(target, fields);
        const summary = await target.drain(route);
        return result([`flush ${route}: ${describeDrain(summary)}`, await explainStop(target, summary.stoppedBecause, route)], !drainFailed(summary));
      },
    },
  ],
  [
    'schedule',
    {
      fields: ['route', 'from', 'until', 'reason'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        const now = target.operator.now();
        const fromText = field(fields, 'from');
        // The times are resolved here and carried as ISO: the window confirmed is the window scheduled.
        const from = fromText !== undefined ? parseTimeArg('from', fromText, now) : now;
        const until = parseTimeArg('until', required(fields, 'until'), now);
        if (until <= now) throw new UsageError(`until: ${until.toISOString()} is in the past (a bare 2h is an age: write +2h for two hours from now)`);
        if (until <= from) throw new UsageError(`until: ${until.toISOString()} is not after from (${from.toISOString()})`);
        const reason = field(fields, 'reason');
        return {
          question: `Schedule a maintenance window on route ${route}?`,
          details: html`<p>From ${from.toISOString()} until ${until.toISOString()}${reason ? html` (${reason})` : ''}: mail is accepted and queued, nothing is delivered inside it even when the primary answers, and it ends by itself.</p>`,
          button: 'Schedule the window',
          fields: { route, ...(fromText !== undefined ? { from: from.toISOString() } : {}), until: until.toISOString(), ...(reason ? { reason } : {}) },
        };
      },
      async run(target, fields) {
        const route = routeOf(target, required(fields, 'route'));
        const now = target.operator.now();
        const fromText = field(fields, 'from');
        const reason = field(fields, 'reason');
        const window = {
          ...(fromText !== undefined ? { from: parseTimeArg('from', fromText, now) } : {}),
          until: parseTimeArg('until', required(fields, 'until'), now),
          ...(reason ? { reason } : {}),
        };
        try {
          const scheduled = await target.operator.hold.schedule(route, window, target.settings.queueLifetimeSeconds);
          return result([inFlightLine(scheduled.inFlight), ...scheduledLines(route.name, scheduled.window, target.settings.probeIntervalSeconds)]);
        } catch (error) {
          if (error instanceof WindowRefusedError) throw new UsageError(error.message);
          throw error;
        }
      },
    },
  ],
  [
    'cancel-window',
    {
      fields: ['route', 'window'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        const id = required(fields, 'window');
        const window = (await target.operator.hold.windows(route)).find((w) => w.id === id);
        if (!window) throw new UsageError(`window: route ${route} has no maintenance window ${id}`);
        return {
          question: `Cancel maintenance window ${id} of route ${route}?`,
          details: html`<p>${window.from.toISOString()} until ${window.until.toISOString()}${window.reason ? html` (${window.reason})` : ''}${
            window.from <= target.operator.now() ? ': it is on now, so it ends now' : ''
          }.</p>`,
          button: 'Cancel the window',
          fields: { route, window: id },
        };
      },
      async run(target, fields) {
        const route = routeOf(target, required(fields, 'route'));
        const id = required(fields, 'window');
        const cancelled = await target.operator.hold.cancelWindow(route, id);
        if (!cancelled) throw new UsageError(`window: route ${route.name} has no maintenance window ${id} (cancelled already?)`);
        const wasOn = cancelled.from <= target.operator.now();
        return result([cancelledLine(route.name, cancelled, wasOn), wasOn ? resumeAfterWindowLine(route.name, target.settings.probeIntervalSeconds) : undefined]);
      },
    },
  ],
];
