// Which section of docs/primary-setup.md fits a route's primary. The primary's
// host name and the MX records of the route's domains tell a Google Workspace
// or Microsoft 365 primary; failing that, a greeting that names Postfix points
// at the Postfix section. A name proves nothing about who runs a server, so
// this is only ever a hint (status ok), never a warning or a failure.
import type { Route } from '../../lambdas/core/model.js';
import { ok, type CheckResult } from './check.js';
import type { MxRecord } from './mx-check.js';

export type PrimaryKind = 'google-workspace' | 'microsoft-365' | 'postfix';

export const PRIMARY_SECTIONS: Record<PrimaryKind, { title: string; link: string; what: string }> = {
  'google-workspace': {
    title: 'Google Workspace',
    link: 'docs/primary-setup.md#google-workspace',
    what: 'the egress IP as an inbound gateway, ARC',
  },
  'microsoft-365': {
    title: 'Microsoft 365',
    link: 'docs/primary-setup.md#microsoft-365',
    what: 'an inbound connector from the egress IP, Enhanced Filtering, a trusted ARC sealer',
  },
  postfix: {
    title: 'Postfix',
    link: 'docs/primary-setup.md#postfix',
    what: 'an authenticated listener for backup-mx',
  },
};

const normalize = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');
/** Only plain host names are matched and printed: a DNS answer could carry control characters. */
const isHostName = (name: string) => /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(name);
/** Strictly below `zone` ("x.google.com", not "google.com.example" nor "notgoogle.com"). */
const below = (name: string, zone: string) => name.endsWith(`.${zone}`);

/** The cloud service a mail host name belongs to, if it is one of those the docs cover. */
export function cloudKindOfHost(host: string): 'google-workspace' | 'microsoft-365' | undefined {
  const name = normalize(host);
  if (!isHostName(name)) return undefined;
  if (below(name, 'google.com') || below(name, 'googlemail.com')) return 'google-workspace';
  if (below(name, 'mail.protection.outlook.com')) return 'microsoft-365';
  return undefined;
}

export interface PrimaryKindEvidence {
  route: Route;
  /** The MX records of each of the route's domains, as the doctor resolved them (missing: no answer). */
  mx: ReadonlyMap<string, readonly MxRecord[]>;
  /** The primary's 220 greeting, when the probe got one. */
  greeting?: string;
}

/**
 * A hint naming the section(s) that fit, with the names that led to each; none
 * when nothing is recognised. Cloud names come first: a cloud primary's greeting
 * says nothing about Postfix, and a Postfix greeting is only asked when no name matched.
 */
export function checkPrimaryKind({ route, mx, greeting }: PrimaryKindEvidence): CheckResult | undefined {
  const found = new Map<PrimaryKind, string[]>();
  const note = (kind: PrimaryKind, why: string) => found.set(kind, [...(found.get(kind) ?? []), why]);
  const host = normalize(route.primary.host);
  const hostKind = cloudKindOfHost(host);
  if (hostKind) note(hostKind, `primary ${host}`);
  for (const domain of route.domains) {
    for (const record of mx.get(domain.toLowerCase()) ?? []) {
      const exchange = normalize(record.exchange);
      const kind = cloudKindOfHost(exchange);
      if (kind) note(kind, `MX of ${domain.toLowerCase()} ${exchange}`);
    }
  }
  if (found.size === 0 && greeting && /\bPostfix\b/i.test(greeting)) note('postfix', 'its greeting names Postfix');
  if (found.size === 0) return undefined;
  const parts = [...found].map(([kind, why]) => {
    const section = PRIMARY_SECTIONS[kind];
    return `${section.title} (${[...new Set(why)].join(', ')}): see ${section.link} for ${section.what}`;
  });
  const both = found.has('google-workspace') && found.has('microsoft-365') ? ' (both: a migration between them?)' : '';
  return ok(`primary setup ${route.name}`, `${parts.join('; ')}${both}`);
}
