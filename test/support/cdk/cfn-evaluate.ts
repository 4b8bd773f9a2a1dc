// Evaluates the intrinsics of a synthesized value with stand-ins (Ref X →
// "<X>", GetAtt X.Y → "<X.Y>", Fn::Join), so a test can parse what
// CloudFormation would hand a resource, e.g. JSON built from tokens.
export function evaluateCfn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(evaluateCfn);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [[fn, arg]] = entries as [[string, any]];
    if (fn === 'Ref') return `<${arg}>`;
    if (fn === 'Fn::GetAtt') return `<${(arg as string[]).join('.')}>`;
    if (fn === 'Fn::Join') return (evaluateCfn(arg[1]) as unknown[]).map(String).join(arg[0]);
    if (fn === 'Fn::Select') return (evaluateCfn(arg[1]) as unknown[])[arg[0]];
    if (fn === 'Fn::Split') return String(evaluateCfn(arg[1])).split(arg[0]);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, evaluateCfn(v)]));
}
