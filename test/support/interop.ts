// Interop tests run against real tools (GDAL, Chromium). Outside CI a missing tool skips them
// with a printed reason; in CI (.ci/run sets FONCIER_REQUIRE_INTEROP=1, after installing the
// tools) a missing tool is a failure, so a green run always means the interop tests ran.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export function interopAvailable(tool: string, available: boolean, install: string): boolean {
  if (available) return true;
  const reason = `${tool} is not installed (${install})`;
  if (process.env.FONCIER_REQUIRE_INTEROP === '1') throw new Error(`interop tests are required here, but ${reason}`);
  console.warn(`skipping interop tests: ${reason}`);
  return false;
}

/** GDAL's environment for the OAPIF driver: a patient HTTP timeout, no curl chatter. */
export const gdalEnv = { ...process.env, GDAL_HTTP_TIMEOUT: '30', CPL_CURL_VERBOSE: 'NO' };

/** Whether GDAL's command-line tools answer (`ogrinfo --version`), under the rule above. */
export async function gdalAvailable(): Promise<boolean> {
  const found = await promisify(execFile)('ogrinfo', ['--version']).then(
    () => true,
    () => false,
  );
  return interopAvailable('ogrinfo', found, 'apt-get install gdal-bin');
}
