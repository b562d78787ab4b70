import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * deploy/neraca.sh, the entry of every Neraca service in docker-compose.yml: all replicas must use
 * one master key (it opens the API on each and signs each worker's webhooks). Without
 * BLNK_SERVER_SECRET_KEY the `migrate` service, which runs once before the others, generates it
 * into the shared volume; the others read it and refuse to start without one rather than each
 * making its own. The script runs unchanged from a copy of the checkout's layout whose
 * bin/neraca.js only reports the arguments and key it was started with.
 */
describe('deploy/neraca.sh (the compose services’ entry)', () => {
  let root: string;
  let data: string;
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync('sh', [join(root, 'deploy/neraca.sh'), ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NERACA_DATA_DIR: data, ...env },
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    return { ...r, started: last.startsWith('{') ? JSON.parse(last) : undefined };
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'neraca-compose-'));
    data = join(root, 'data');
    mkdirSync(join(root, 'deploy'));
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(__dirname, '../../deploy/neraca.sh'), join(root, 'deploy/neraca.sh'));
    writeFileSync(
      join(root, 'bin/neraca.js'),
      'console.log(JSON.stringify({ args: process.argv.slice(2), key: process.env.BLNK_SERVER_SECRET_KEY }))',
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('migrate generates one key, private to its owner, and every service starts with it', () => {
    const first = run(['migrate', 'up']);
    expect(first.status).toBe(0);
    const file = join(data, 'secret_key');
    const key = readFileSync(file, 'utf8').trim();
    expect(key).toMatch(/^nrc_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.started).toEqual({ args: ['migrate', 'up'], key });
    // A restart of the stack keeps it; the API and worker replicas get the same one.
    expect(run(['migrate', 'up']).started.key).toBe(key);
    expect(run(['start']).started).toEqual({ args: ['start'], key });
    expect(run(['workers']).started).toEqual({ args: ['workers'], key });
  });

  it('the other services never make their own key', () => {
    for (const command of ['start', 'workers']) {
      const r = run([command]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('no master key');
      expect(r.started).toBeUndefined();
    }
    expect(existsSync(join(data, 'secret_key'))).toBe(false);
  });

  it('a configured key is passed on as it is and nothing is written', () => {
    const key = 'configured-master-key-of-32-characters';
    expect(run(['migrate', 'up'], { BLNK_SERVER_SECRET_KEY: key }).started.key).toBe(key);
    expect(run(['start'], { BLNK_SERVER_SECRET_KEY: key }).started.key).toBe(key);
    expect(existsSync(join(data, 'secret_key'))).toBe(false);
  });
});
