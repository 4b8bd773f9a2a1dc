// Tests with a real Postfix skip where none can run (a developer's machine),
// but CI installs Postfix (.ci/run) and sets BACKUPMX_REQUIRE_POSTFIX=1: there
// a Postfix test that cannot run fails instead of skipping unnoticed.
export const REQUIRE_POSTFIX = 'BACKUPMX_REQUIRE_POSTFIX';

/** Returns why the test must skip (undefined: run it); throws instead when Postfix is required. */
export function postfixSkipReason(unavailable: string | undefined, test: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (unavailable !== undefined && env[REQUIRE_POSTFIX] === '1') throw new Error(`${test} cannot run: ${unavailable} (${REQUIRE_POSTFIX}=1 asks for a real Postfix)`);
  return unavailable;
}
