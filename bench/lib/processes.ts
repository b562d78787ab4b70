import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** RSS of a live process in bytes (0 once it is gone). Linux only: read from /proc. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The name and the fields after it of /proc/<pid>/stat (state first), or undefined once gone. */
function procStat(pid: number | string): { comm: string; f: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, close),
      f: stat.slice(close + 2).split(' '),
    };
  } catch {
    return undefined;
  }
}

/** utime + stime (own: 11, 12) or cutime + cstime (reaped children: 13, 14), clock ticks of 10 ms. */
const ticksMs = (f: string[], at: number) => (Number(f[at]) + Number(f[at + 1])) * 10;

/** CPU time (user + system) a live process has used, in ms (0 once it is gone). Linux: /proc. */
export function cpuMsOf(pid: number): number {
  const s = procStat(pid);
  return s ? ticksMs(s.f, 11) : 0;
}

/**
 * CPU ms used by the local PostgreSQL server so far, all its processes together: each live
 * `postgres` process's own time, plus what the postmaster (the one whose parent is not postgres)
 * has collected from children that have exited, so a backend that closes mid-phase is not lost.
 * 0 when the server is not on this machine.
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(name);
    if (s?.comm !== 'postgres') continue;
    total += ticksMs(s.f, 11);
    if (procStat(s.f[1])?.comm !== 'postgres') total += ticksMs(s.f, 13);
  }
  return total;
}

export interface RssSample {
  at: number;
  rss: number;
}

/** A Neraca process under test (`neraca start` or `neraca workers`) with its RSS history. */
export class NeracaProcess {
  readonly samples: RssSample[] = [];
  private readonly child: ChildProcess;
  private output = '';

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    root: string,
    nodeArgs: string[] = [],
  ) {
    this.child = spawn(process.execPath, [...nodeArgs, join(root, 'bin/neraca.js'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-4000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The tail of what the process printed, for a failure report. */
  get tail(): string {
    return this.output;
  }

  sample(): void {
    const rss = rssOf(this.pid);
    if (rss) this.samples.push({ at: Date.now(), rss });
  }

  peakRss(since = 0): number {
    return this.samples.filter((s) => s.at >= since).reduce((m, s) => Math.max(m, s.rss), 0);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Samples every process's RSS once a second until stopped. */
export function sampleRss(procs: NeracaProcess[], everyMs = 1000): () => void {
  const timer = setInterval(() => procs.forEach((p) => p.sample()), everyMs);
  procs.forEach((p) => p.sample());
  return () => clearInterval(timer);
}

export async function waitUntilHealthy(url: string, proc: NeracaProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive) throw new Error(`${proc.name} exited:\n${proc.tail}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} did not become healthy in ${timeoutMs} ms:\n${proc.tail}`);
}

/** Runs a command to completion; rejects with its output if it fails. */
export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} → ${code}\n${out}`)),
    );
  });
}
