import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/neraca.js');

/** A `neraca` command running as a child process (the compiled CLI, as an operator runs it). */
export interface NeracaProcess {
  name: string;
  proc: ChildProcess;
  /** `neraca start`'s base URL, from its banner; undefined for other commands. */
  url?: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once it has exited: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `neraca <args>` with exactly `env` (nothing of the test's own environment leaks in
 * but PATH and HOME) and resolves once its output matches `ready`; rejects if it exits or says
 * nothing within `timeoutMs`.
 */
export function spawnNeraca(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60000,
): Promise<NeracaProcess> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1];
      resolve({ name, proc, url, output: () => out, exited });
    };
    proc.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}

/**
 * SIGTERM to every process still running, then SIGKILL to any that has not exited within
 * `graceMs`; resolves once all have exited.
 */
export async function stopAll(procs: NeracaProcess[], graceMs = 15000): Promise<void> {
  const running = procs.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
  for (const p of running) p.proc.kill('SIGTERM');
  const late = setTimeout(() => {
    for (const p of running) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  }, graceMs);
  await Promise.all(running.map((p) => p.exited));
  clearTimeout(late);
}
