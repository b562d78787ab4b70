/**
 * Issue 11, finding 1: does a flood of unauthenticated 5 MB JSON bodies slow down everyone else?
 * Starts `neraca start` (embedded, a scratch data directory), measures GET /health latency idle,
 * then again while 4 keyless clients (4 processes) post 5 MB JSON bodies as fast as the server
 * answers them. Done when /health under the flood stays within 2x its idle latency.
 *
 * Everything runs on this machine, so the flooding clients' own work (the kernel copying their
 * 5 MB bodies over loopback) competes with the server for the same cores, which an attacker on
 * another machine would not. FLOOD_PIN=1 keeps them apart on a machine with 2 or more cores: the
 * server and the /health client on CPU 0, the flooding clients on CPU 1 (taskset).
 *
 *   npm run build && npx swc bench/flood-health.ts bench/lib -d dist && node dist/bench/flood-health.js
 *
 * Options (environment): FLOOD_SECONDS (10), FLOOD_CLIENTS (4), FLOOD_BODY_MB (5),
 * FLOOD_PIN (1: pin as above), FLOOD_PROFILE_DIR (a CPU profile of the server, written there
 * when it stops).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, fork } from 'node:child_process';
import { NeracaProcess, waitUntilHealthy } from './lib/processes';
import { ROOT } from './lib/settings';
import { round, summarize } from './lib/stats';

const SECONDS = Number(process.env.FLOOD_SECONDS ?? 10);
const CLIENTS = Number(process.env.FLOOD_CLIENTS ?? 4);
const BODY_BYTES = Math.floor(Number(process.env.FLOOD_BODY_MB ?? 5) * 1_000_000);
const PIN = process.env.FLOOD_PIN === '1';

/** Pins every thread of a process to one CPU. */
function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** Valid JSON of about `bytes` bytes with many small members: what costs a JSON parser most. */
function floodBody(bytes: number): Buffer {
  const parts: string[] = [];
  let size = 40;
  for (let i = 0; size < bytes - 20; i++) {
    const member = `"k${i}":${i}`;
    parts.push(member);
    size += member.length + 1;
  }
  return Buffer.from(`{"name":"flood","meta_data":{${parts.join(',')}}}`);
}

/** One flooding client: POST /ledgers with no key, again as soon as the answer is in. */
async function flood(url: string, stopAt: number): Promise<number> {
  const body = floodBody(BODY_BYTES);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  let sent = 0;
  while (Date.now() < stopAt) {
    await new Promise<void>((resolve) => {
      const req = request(
        {
          hostname,
          port,
          path: '/ledgers',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', () => resolve());
        },
      );
      req.on('error', () => resolve());
      req.end(body);
    });
    sent++;
  }
  agent.destroy();
  return sent;
}

/** GET /health one after another for `ms`, each latency in milliseconds. */
async function probe(url: string, ms: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const samples: number[] = [];
  const stopAt = Date.now() + ms;
  while (Date.now() < stopAt) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const req = request({ hostname, port, path: '/health', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    await new Promise((r) => setTimeout(r, 20));
  }
  agent.destroy();
  return samples;
}

/** CPU seconds (user + system) and bytes read so far by a process (Linux /proc). */
interface Usage {
  user: number;
  system: number;
  read: number;
}

/** CPU seconds (user, system) and bytes read so far by a process (Linux /proc). */
function usage(pid: number): Usage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const io = /rchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return {
    user: Number(fields[11]) / 100,
    system: Number(fields[12]) / 100,
    read: io ? Number(io[1]) : 0,
  };
}

function delta(label: string, before: Usage, pid: number): string {
  const now = usage(pid);
  const mb = (now.read - before.read) / 1e6;
  const [user, system] = [round(now.user - before.user, 2), round(now.system - before.system, 2)];
  return `${label.padEnd(26)} server CPU user ${user} s, system ${system} s; read ${round(mb, 1)} MB`;
}

function describe(label: string, samples: number[]): string {
  const s = summarize(samples);
  return `${label.padEnd(26)} n=${String(s.count).padStart(4)}  p50 ${round(s.p50, 2)} ms  p95 ${round(s.p95, 2)} ms  p99 ${round(s.p99, 2)} ms  max ${round(s.max, 2)} ms`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'neraca-flood-'));
  const port = 5900 + (process.pid % 90);
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NERACA_DATA_DIR: dataDir,
    BLNK_SERVER_PORT: String(port),
    BLNK_SERVER_SECRET_KEY: 'flood-bench-master-key-of-32-characters-or-more',
  };
  delete env.BLNK_DATA_SOURCE_DNS;
  delete env.BLNK_REDIS_DNS;
  const profile = process.env.FLOOD_PROFILE_DIR;
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const server = new NeracaProcess('api', ['start'], env, ROOT, nodeArgs);
  try {
    await waitUntilHealthy(url, server, 120_000);
    if (PIN) [server.pid, process.pid].forEach((pid) => pin(pid, 0));
    await probe(url, 1000); // warm-up
    const atIdle = usage(server.pid);
    const idle = await probe(url, SECONDS * 1000);
    const idleUsage = delta('idle', atIdle, server.pid);
    const stopAt = Date.now() + (SECONDS + 2) * 1000;
    const sent = Array.from({ length: CLIENTS }, () => {
      const child = fork(__filename, ['flood', url, String(stopAt)]);
      if (PIN) pin(child.pid!, 1);
      return new Promise<number>((resolve, reject) => {
        child.once('message', (n) => resolve(Number(n)));
        child.once('error', reject);
      });
    });
    await new Promise((r) => setTimeout(r, 1000)); // the flood is under way
    const atFlood = usage(server.pid);
    const flooded = await probe(url, SECONDS * 1000);
    const floodUsage = delta('under flood', atFlood, server.pid);
    const requests = (await Promise.all(sent)).reduce((a, b) => a + b, 0);
    const ratio = summarize(flooded).p50 / summarize(idle).p50;
    console.log(
      `GET /health, ${CLIENTS} keyless clients posting ${BODY_BYTES} B JSON bodies` +
        (PIN ? ' (server and /health on CPU 0, flooding clients on CPU 1)' : ''),
    );
    console.log(describe('idle', idle));
    console.log(describe(`under flood`, flooded));
    console.log(idleUsage);
    console.log(floodUsage);
    console.log(
      `flood requests answered: ${requests}; p50 under flood / idle = ${round(ratio, 2)}`,
    );
    console.log(ratio <= 2 ? 'within 2x idle: done' : 'NOT within 2x idle');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'flood') {
  void flood(process.argv[3], Number(process.argv[4])).then((n) => {
    process.send!(n);
    process.disconnect();
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
