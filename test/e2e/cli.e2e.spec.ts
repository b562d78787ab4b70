import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations';

const BIN = join(__dirname, '../../bin/neraca.js');

/** The environment of a user with no database configured: embedded mode. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env, ...extra };
  delete e.BLNK_DATA_SOURCE_DNS;
  delete e.BLNK_REDIS_DNS;
  delete e.BLNK_SERVER_SECRET_KEY;
  delete e.BLNK_SERVER_SECURE;
  return e;
}

interface Started {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

function start(cwd: string): Promise<Started> {
  const proc = spawn(process.execPath, [BIN, 'start', '--port', '0'], { cwd, env: env() });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60000);
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m && (out.includes('X-Blnk-Key') || out.includes('kept in'))) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], output: () => out });
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

function stop(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    s.proc.removeAllListeners('exit');
    s.proc.on('exit', (code) => resolve(code));
    s.proc.kill('SIGTERM');
  });
}

describe('neraca CLI (embedded mode, fresh directory)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help lists every command', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', env: env() });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('start');
    expect(r.stdout).toContain('migrate');
    expect(r.stdout).toContain('openapi');
    const m = spawnSync(process.execPath, [BIN, 'migrate', '--help'], {
      encoding: 'utf8',
      env: env(),
    });
    expect(m.stdout).toContain('up');
    expect(m.stdout).toContain('down');
  });

  it('openapi prints the document without a server, whatever database the environment names', () => {
    const out = join(dir, 'openapi.json');
    const r = spawnSync(process.execPath, [BIN, 'openapi', '--out', out], {
      encoding: 'utf8',
      env: { ...env(), BLNK_DATA_SOURCE_DNS: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/transactions', '/health']));
  });

  it('starts with nothing configured, prints the key once, keeps data across restarts', async () => {
    const first = await start(dir);
    const key = /\n\s+(nrc_[A-Za-z0-9_-]+)\s*\n/.exec(first.output())![1];
    expect(readFileSync(join(dir, '.neraca', 'secret_key'), 'utf8').trim()).toBe(key);
    expect(statSync(join(dir, '.neraca', 'secret_key')).mode & 0o777).toBe(0o600);
    const h = { 'x-blnk-key': key, 'content-type': 'application/json' };
    expect((await fetch(first.url + '/ledgers')).status).toBe(401);
    const ledger = (await (
      await fetch(first.url + '/ledgers', { method: 'POST', headers: h, body: '{"name":"kept"}' })
    ).json()) as { ledger_id: string };
    expect(ledger.ledger_id).toMatch(/^ldg_/);
    expect(await stop(first)).toBe(0);

    const second = await start(dir);
    expect(second.output()).not.toContain(key);
    expect(second.output()).toContain('kept in');
    const again = await fetch(`${second.url}/ledgers/${ledger.ledger_id}`, { headers: h });
    expect(again.status).toBe(200);
    expect(await stop(second)).toBe(0);
  }, 150000);

  it('webhooks list and redeliver read the outbox of the embedded data directory', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'webhooks', ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: env(),
      });
    const list = cli('list', '--limit', '100');
    expect(list.status).toBe(0);
    // The ledger the previous test created, as an event of the outbox.
    expect(list.stdout).toMatch(/evt_\S+\s+ledger\.created\s+ldg_/);
    const none = cli('redeliver', '--failed');
    expect(none.stdout).toContain('0 deliveries due again');
    expect(cli('redeliver').status).not.toBe(0);
    expect(cli('list', '--status', 'lost').status).not.toBe(0);
  }, 60000);

  it('migrate down and up on the embedded data directory', () => {
    const down = spawnSync(process.execPath, [BIN, 'migrate', 'down'], {
      cwd: dir,
      encoding: 'utf8',
      env: env(),
    });
    expect(down.stdout).toContain('reverted');
    const up = spawnSync(process.execPath, [BIN, 'migrate', 'up'], {
      cwd: dir,
      encoding: 'utf8',
      env: env(),
    });
    expect(up.stdout).toContain(`applied: ${new MIGRATIONS[MIGRATIONS.length - 1]().name}`);
    const again = spawnSync(process.execPath, [BIN, 'migrate', 'up'], {
      cwd: dir,
      encoding: 'utf8',
      env: env(),
    });
    expect(again.stdout).toContain('up to date');
  }, 120000);

  it('refuses a bad configuration with a message naming the key', () => {
    const r = spawnSync(process.execPath, [BIN, 'start'], {
      cwd: dir,
      encoding: 'utf8',
      env: env({ BLNK_SERVER_PORT: 'abc' }),
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('BLNK_SERVER_PORT');
    expect(existsSync(join(dir, '.neraca'))).toBe(true);
  });
});
