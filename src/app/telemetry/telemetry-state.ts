/**
 * The running OpenTelemetry SDK of this process, if telemetry is on: set by the preload
 * (src/app/telemetry/preload.ts), flushed and stopped by the graceful shutdown. Kept on a
 * process-wide symbol, so whichever copy of this module asks finds the one SDK.
 */
const KEY = Symbol.for('neraca.telemetry');

interface RunningTelemetry {
  shutdown(): Promise<void>;
}

type Holder = { [KEY]?: RunningTelemetry };

export function setRunningTelemetry(t: RunningTelemetry): void {
  (globalThis as Holder)[KEY] = t;
}

export function telemetryRunning(): boolean {
  return (globalThis as Holder)[KEY] !== undefined;
}

/**
 * Exports what is still buffered and stops the SDK, waiting at most `timeoutMs` (the rest of the
 * grace period): an unreachable collector must not hold the process. Never throws.
 */
export async function shutdownTelemetry(timeoutMs: number): Promise<void> {
  const t = (globalThis as Holder)[KEY];
  if (!t) return;
  (globalThis as Holder)[KEY] = undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, timeoutMs));
    timer.unref();
  });
  try {
    await Promise.race([t.shutdown().catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
