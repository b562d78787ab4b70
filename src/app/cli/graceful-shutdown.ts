import { shutdownTelemetry } from '../telemetry/telemetry-state';

/**
 * Waits for SIGTERM or SIGINT, then closes what `close` closes (stop accepting, finish in-flight
 * requests and the current drain batch, close the pools), then flushes telemetry (when on), all
 * in at most `graceMs`: past it, or at a
 * second signal, the process kills itself. Work accepted and not yet applied is safe either way:
 * it waits in the database for the next start.
 */
export function untilShutdown(close: () => Promise<void>, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        process.stderr.write(`${signal} again: exiting now\n`);
        process.kill(process.pid, 'SIGKILL');
      }
      closing = true;
      process.stdout.write(`${signal}: shutting down (grace period ${graceMs} ms)\n`);
      const timer = setTimeout(() => {
        process.stderr.write(`shutdown took longer than ${graceMs} ms: exiting\n`);
        // Not process.exit(): its exit handlers can block (seen with embedded PGlite mid-query).
        process.kill(process.pid, 'SIGKILL');
      }, graceMs);
      const started = Date.now();
      void close()
        .catch((e: unknown) => process.stderr.write(`shutdown failed: ${String(e)}\n`))
        // What the last spans of the shutdown recorded, exported in what is left of the period.
        .then(() => shutdownTelemetry(graceMs - (Date.now() - started) - 250))
        .finally(() => {
          clearTimeout(timer);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
