import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/neraca.js');

/** Embedded mode (no database configured), stdout a pipe: what a container's log driver sees. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env, ...extra };
  for (const k of ['BLNK_DATA_SOURCE_DNS', 'BLNK_REDIS_DNS', 'BLNK_SERVER_SECRET_KEY']) delete e[k];
  return e;
}

interface Running {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
}

/** `neraca start` until its "listening on" line and the master-key lines after it. */
function start(cwd: string, extra: Record<string, string> = {}): Promise<Running> {
  const proc = spawn(process.execPath, [BIN, 'start', '--port', '0'], { cwd, env: env(extra) });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 120 s:\n${out}${err}`)), 120_000);
    proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}${err}`)));
    proc.stdout!.on('data', () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m && /X-Blnk-Key header|kept in/.test(out)) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], stdout: () => out });
      }
    });
  });
}

function stop(r: Running): Promise<number | null> {
  r.proc.removeAllListeners('exit');
  return new Promise((resolve) => {
    r.proc.on('exit', (code) => resolve(code));
    r.proc.kill('SIGTERM');
  });
}

async function untilOutput(r: Running, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 400 && !pattern.test(r.stdout()); i++)
    await new Promise((res) => setTimeout(res, 50));
}

/**
 * The logs of `neraca start` itself (issue 17): JSON lines on a piped stdout, beside the human
 * lines people and the other CLI tests rely on; pretty when asked for (pino-pretty in pino's
 * worker thread, which this test is the only one to load); a bad log setting stops the start.
 */
describe('neraca start logs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-logs-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines on a piped stdout, keeps the human lines, and never logs the key', async () => {
    const r = await start(dir);
    let key = '';
    try {
      key = /\n {4}(\S+)\n\nSend it as the X-Blnk-Key header/.exec(r.stdout())![1];
      const res = await fetch(`${r.url}/ledgers`, {
        headers: { 'x-blnk-key': key, 'x-request-id': 'cli-logs-1' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('cli-logs-1');
      await untilOutput(r, /"request_id":"cli-logs-1"/);
    } finally {
      expect(await stop(r)).toBe(0);
    }
    const out = r.stdout();
    expect(out).toMatch(/^Neraca listening on http/m);
    const json = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json).toContainEqual(
      expect.objectContaining({
        level: 'info',
        component: 'http',
        request_id: 'cli-logs-1',
        key_id: 'master',
        method: 'GET',
        route: '/ledgers',
        status: 200,
      }),
    );
    // Shown once, as the human line says, and in no log line.
    expect(out.split(key)).toHaveLength(2);
    expect(json.some((l) => JSON.stringify(l).includes(key))).toBe(false);
  }, 180_000);

  it('writes pretty lines with log.format=pretty', async () => {
    const r = await start(dir, { NERACA_LOG_FORMAT: 'pretty' });
    try {
      await fetch(`${r.url}/`, { headers: { 'x-request-id': 'cli-logs-pretty' } });
      await untilOutput(r, /cli-logs-pretty/);
    } finally {
      expect(await stop(r)).toBe(0);
    }
    const line = r
      .stdout()
      .split('\n')
      .find((l) => l.includes('request completed'));
    expect(line).toMatch(/INFO.*request completed/);
    expect(r.stdout()).toMatch(/request_id: "cli-logs-pretty"/);
    expect(r.stdout()).not.toMatch(/^\{"level"/m);
  }, 180_000);

  it('refuses an unknown log level before it opens anything', () => {
    const r = spawnSync(process.execPath, [BIN, 'start', '--port', '0'], {
      cwd: dir,
      env: env({ NERACA_LOG_LEVEL: 'chatty' }),
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'neraca: invalid configuration: log.level (NERACA_LOG_LEVEL) must be one of fatal, error, warn, info, debug, trace, silent, got "chatty"',
    );
  });
});
