import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/neraca.js');
const MASTER = 'cli-test-master-key-of-32-characters-at-least';

/** Embedded mode in a fresh directory, with a known master key. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, BLNK_SERVER_SECRET_KEY: MASTER };
  delete e.BLNK_DATA_SOURCE_DNS;
  delete e.BLNK_REDIS_DNS;
  delete e.BLNK_SERVER_SECURE;
  return e;
}

/** `neraca api-keys …` against the compiled CLI. */
describe('neraca api-keys (operators)', () => {
  let dir: string;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'api-keys', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: env(),
    });

  async function withServer(work: (url: string) => Promise<void>): Promise<void> {
    const proc: ChildProcess = spawn(process.execPath, [BIN, 'start', '--port', '0'], {
      cwd: dir,
      env: env(),
    });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60000);
        proc.stdout!.on('data', () => {
          const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
      });
      await work(url);
    } finally {
      proc.removeAllListeners('exit');
      await new Promise((r) => {
        proc.on('exit', r);
        proc.kill('SIGTERM');
      });
    }
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-apikeys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, lists and revokes keys that the server honours', async () => {
    const help = cli('--help');
    expect(help.stdout).toMatch(/create[\s\S]*list[\s\S]*revoke/);

    const made = cli(
      'create',
      '-n',
      'reporting',
      '-o',
      'finance',
      '-s',
      'ledgers:read',
      '--expires-in',
      '30d',
      '--json',
    );
    expect(made.status).toBe(0);
    const key = JSON.parse(made.stdout) as { api_key_id: string; key: string; scopes: string[] };
    expect(key.key).toMatch(/^nrk_[A-Za-z0-9_-]{43}$/);
    expect(key.scopes).toEqual(['ledgers:read']);

    const human = cli(
      'create',
      '-n',
      'other',
      '-o',
      'finance',
      '-s',
      '*:read',
      '--expires-at',
      '2099-01-01T00:00:00Z',
    );
    expect(human.stdout).toContain('The key is shown this once');
    expect(human.stdout).toMatch(/\n\s+nrk_[A-Za-z0-9_-]{43}\n/);

    const list = cli('list', '-o', 'finance');
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(`${key.api_key_id}  active  ${key.key.slice(0, 16)}…  reporting`);
    expect(list.stdout).not.toContain(key.key);

    await withServer(async (url) => {
      const h = { 'x-blnk-key': key.key, 'content-type': 'application/json' };
      expect((await fetch(url + '/ledgers', { headers: h })).status).toBe(200);
      const write = await fetch(url + '/ledgers', {
        method: 'POST',
        headers: h,
        body: '{"name":"x"}',
      });
      expect(write.status).toBe(403);
    });

    const revoked = cli('revoke', key.api_key_id);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${key.api_key_id}`);
    expect(cli('list', '-o', 'finance', '--json').stdout).toContain('"is_revoked":true');

    await withServer(async (url) => {
      const r = await fetch(url + '/ledgers', { headers: { 'x-blnk-key': key.key } });
      expect(r.status).toBe(401);
    });
  }, 180000);

  it('lists who created each key and revokes a key with every key it created (--cascade)', async () => {
    const made = cli(
      'create',
      '-n',
      'root',
      '-o',
      'leak',
      '-s',
      'ledgers:read,api-keys:*',
      '--expires-in',
      '30d',
      '--json',
    );
    expect(made.status).toBe(0);
    const root = JSON.parse(made.stdout) as { api_key_id: string; key: string; created_by: string };
    expect(root.created_by).toBe('cli');
    let child = '';
    await withServer(async (url) => {
      const r = await fetch(url + '/api-keys', {
        method: 'POST',
        headers: { 'x-blnk-key': root.key, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'minted',
          scopes: ['ledgers:read'],
          expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        }),
      });
      expect(r.status).toBe(201);
      child = ((await r.json()) as { api_key_id: string }).api_key_id;
    });
    const list = cli('list', '-o', 'leak');
    expect(list.stdout).toContain(`created by ${root.api_key_id}`);
    expect(list.stdout).toContain('created by cli');
    const revoked = cli('revoke', root.api_key_id, '--cascade');
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${root.api_key_id} (root, owner leak)`);
    expect(revoked.stdout).toContain(
      `revoked ${child} (minted, owner leak, created by ${root.api_key_id})`,
    );
    const after = JSON.parse(cli('list', '-o', 'leak', '--json').stdout) as {
      is_revoked: boolean;
    }[];
    expect(after.map((k) => k.is_revoked)).toEqual([true, true]);
  }, 180000);

  it('fails with a clear message and a non-zero exit', () => {
    const scope = cli('create', '-n', 'x', '-o', 'o', '-s', 'ledger:read', '--expires-in', '1d');
    expect(scope.status).not.toBe(0);
    expect(scope.stderr).toContain('invalid scope "ledger:read"');
    const expiry = cli('create', '-n', 'x', '-o', 'o', '-s', 'ledgers:read');
    expect(expiry.status).not.toBe(0);
    expect(expiry.stderr).toContain('--expires-in');
    const owner = cli('list');
    expect(owner.stderr).toContain('owner is required');
    const missing = cli('revoke', 'api_key_nope');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('API key not found');
  }, 60000);
});
