// A browser test must not skip unnoticed where Chromium is required (CI).
import { describe, expect, it } from 'vitest';
import { chromiumSkipReason, chromiumUnavailable } from '../../support/console/chromium.js';

describe('BACKUPMX_REQUIRE_CHROMIUM', () => {
  it('turns a skip into a failure that names the test and the reason', () => {
    expect(chromiumSkipReason('no Chromium', 'the console browser test', {})).toBe('no Chromium');
    expect(chromiumSkipReason(undefined, 'the console browser test', { BACKUPMX_REQUIRE_CHROMIUM: '1' })).toBeUndefined();
    expect(() => chromiumSkipReason('no Chromium', 'the console browser test', { BACKUPMX_REQUIRE_CHROMIUM: '1' })).toThrow(
      /the console browser test cannot run: no Chromium \(BACKUPMX_REQUIRE_CHROMIUM=1/,
    );
  });

  it('a missing binary is reported as unavailable', () => {
    expect(chromiumUnavailable('/nonexistent/chromium')).toMatch(/no Chromium at \/nonexistent\/chromium/);
  });
});
