/**
 * Loaded by bin/neraca.js before the CLI itself. With `enable_observability`
 * (BLNK_ENABLE_OBSERVABILITY) on, and a command that serves (`start`, `workers`), it starts the
 * OpenTelemetry SDK here, before `pg`, `ioredis` and Fastify are first required, so their
 * instrumentations can patch them. Otherwise it loads nothing more: telemetry off costs nothing
 * but reading the configuration. An invalid configuration is left to the command to report.
 */
import { loadConfig } from '../config/neraca-config';

const SERVING = new Map([
  ['start', 'neraca-api'],
  ['workers', 'neraca-workers'],
]);

function wanted(): string | undefined {
  const service = SERVING.get(process.argv[2] ?? '');
  if (!service) return undefined;
  try {
    return loadConfig().get<boolean>('enable_observability') ? service : undefined;
  } catch {
    return undefined;
  }
}

const service = wanted();
if (service) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./sdk') as typeof import('./sdk')).startTelemetry(service);
}
