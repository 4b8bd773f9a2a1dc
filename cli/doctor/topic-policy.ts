// Reads an SNS topic policy the way IAM would for one request: may CloudWatch
// (cloudwatch.amazonaws.com, publishing for one of this stack's alarms)
// publish to the topic? An explicit deny wins, then any allow; nothing that
// applies is a deny. What this evaluator does not know (NotPrincipal,
// NotAction, set operators, other condition keys) makes the answer "unknown"
// rather than a guess, so doctor never calls a topic fine that is not.

export interface PublishRequest {
  topicArn: string;
  /** The alarm's account (aws:SourceAccount, and the legacy aws:SourceOwner). */
  sourceAccount: string;
  /** The alarm's ARN (aws:SourceArn). */
  sourceArn: string;
}

export type Verdict = 'allowed' | 'denied' | 'unknown';

export interface PolicyReading {
  verdict: Verdict;
  /** The statement that decided, or why it could not be decided. */
  why: string;
}

type Tri = 'yes' | 'no' | 'unknown';

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const SERVICE = 'cloudwatch.amazonaws.com';
const ACTION = 'sns:publish';

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/** IAM's wildcards: * any run of characters, ? one character. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function principalApplies(statement: Statement): Tri {
  if (statement.NotPrincipal !== undefined) return 'unknown';
  const principal = statement.Principal;
  if (principal === '*') return 'yes';
  if (principal === null || typeof principal !== 'object') return 'no';
  const { AWS, Service } = principal as { AWS?: unknown; Service?: unknown };
  // {"AWS": "*"} is the same as "*": anyone, services included.
  if (list(AWS).includes('*')) return 'yes';
  return list(Service).some((s) => s.toLowerCase() === SERVICE) ? 'yes' : 'no';
}

function actionApplies(statement: Statement): Tri {
  if (statement.NotAction !== undefined) return 'unknown';
  return list(statement.Action).some((a) => globMatches(a.toLowerCase(), ACTION)) ? 'yes' : 'no';
}

function resourceApplies(statement: Statement, topicArn: string): Tri {
  if (statement.NotResource !== undefined) return 'unknown';
  if (statement.Resource === undefined) return 'yes';
  return list(statement.Resource).some((r) => globMatches(r, topicArn)) ? 'yes' : 'no';
}

const CONTEXT_KEYS = (request: PublishRequest): Record<string, string> => ({
  'aws:sourceaccount': request.sourceAccount,
  'aws:sourceowner': request.sourceAccount,
  'aws:sourcearn': request.sourceArn,
  'aws:securetransport': 'true',
});

/** One condition operator on one key: yes, no, or unknown when the operator or the key is one this evaluator does not know. */
function conditionHolds(operator: string, key: string, expected: unknown, context: Record<string, string>): Tri {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = context[key.toLowerCase()];
  if (actual === undefined) return ifExists ? 'yes' : 'unknown';
  const values = list(expected);
  switch (op) {
    case 'StringEquals':
    case 'ArnEquals':
      return values.includes(actual) ? 'yes' : 'no';
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return values.includes(actual) ? 'no' : 'yes';
    case 'StringEqualsIgnoreCase':
      return values.some((v) => v.toLowerCase() === actual.toLowerCase()) ? 'yes' : 'no';
    case 'StringLike':
    case 'ArnLike':
      return values.some((v) => globMatches(v, actual)) ? 'yes' : 'no';
    case 'StringNotLike':
    case 'ArnNotLike':
      return values.some((v) => globMatches(v, actual)) ? 'no' : 'yes';
    case 'Bool':
      return values.some((v) => v.toLowerCase() === actual) ? 'yes' : 'no';
    default:
      return 'unknown';
  }
}

function conditionsHold(statement: Statement, request: PublishRequest): Tri {
  const context = CONTEXT_KEYS(request);
  let result: Tri = 'yes';
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys ?? {})) {
      const holds = conditionHolds(operator, key, expected, context);
      if (holds === 'no') return 'no';
      if (holds === 'unknown') result = 'unknown';
    }
  }
  return result;
}

function applies(statement: Statement, request: PublishRequest): Tri {
  const parts = [principalApplies(statement), actionApplies(statement), resourceApplies(statement, request.topicArn), conditionsHold(statement, request)];
  if (parts.includes('no')) return 'no';
  return parts.includes('unknown') ? 'unknown' : 'yes';
}

const named = (statement: Statement, i: number) => (statement.Sid ? `statement "${statement.Sid}"` : `statement ${i + 1}`);

/** Whether the topic policy (its JSON text) lets CloudWatch publish for this request. */
export function cloudWatchMayPublish(policyText: string | undefined, request: PublishRequest): PolicyReading {
  if (policyText === undefined || policyText === '') return { verdict: 'unknown', why: 'the topic has no policy to read' };
  let statements: Statement[];
  try {
    const document = JSON.parse(policyText) as { Statement?: Statement | Statement[] };
    statements = Array.isArray(document.Statement) ? document.Statement : document.Statement ? [document.Statement] : [];
  } catch {
    return { verdict: 'unknown', why: 'its policy is not valid JSON' };
  }
  const verdicts = statements.map((statement, i) => ({ statement, i, applies: applies(statement, request) }));
  const denies = verdicts.filter((v) => v.statement.Effect === 'Deny');
  const allows = verdicts.filter((v) => v.statement.Effect === 'Allow');
  const deny = denies.find((v) => v.applies === 'yes');
  if (deny) return { verdict: 'denied', why: `${named(deny.statement, deny.i)} denies it` };
  const unclearDeny = denies.find((v) => v.applies === 'unknown');
  if (unclearDeny) return { verdict: 'unknown', why: `${named(unclearDeny.statement, unclearDeny.i)} may deny it (doctor cannot evaluate all of it)` };
  const allow = allows.find((v) => v.applies === 'yes');
  if (allow) return { verdict: 'allowed', why: `${named(allow.statement, allow.i)} allows it` };
  const unclearAllow = allows.find((v) => v.applies === 'unknown');
  if (unclearAllow) return { verdict: 'unknown', why: `${named(unclearAllow.statement, unclearAllow.i)} may allow it (doctor cannot evaluate all of it)` };
  return { verdict: 'denied', why: 'no statement allows cloudwatch.amazonaws.com to sns:Publish for this stack\'s alarms' };
}
