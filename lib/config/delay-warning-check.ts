// delayWarningHours against queueLifetimeDays: a warning due at or after the
// end of the queue lifetime would never be sent (the message expires and its
// sender gets the failure notice instead), so that is a mistake, named.
export interface DelayWarningShape {
  queueLifetimeDays: number;
  delayWarningHours: number;
  routes: { delayWarningHours?: number | undefined }[];
}

export function delayWarningProblems(config: DelayWarningShape): string[] {
  const lifetimeHours = config.queueLifetimeDays * 24;
  const problems: string[] = [];
  const check = (hours: number, at: string) => {
    if (hours > 0 && hours >= lifetimeHours) {
      problems.push(`${at}: ${hours} hours is not less than the queue lifetime (queueLifetimeDays ${config.queueLifetimeDays} = ${lifetimeHours} hours): the warning would never be sent`);
    }
  };
  check(config.delayWarningHours, 'backupMx.delayWarningHours');
  config.routes.forEach((route, i) => {
    if (route.delayWarningHours !== undefined) check(route.delayWarningHours, `backupMx.routes[${i}].delayWarningHours`);
  });
  return problems;
}
