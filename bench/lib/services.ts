import { Client } from 'pg';
import { connect } from 'node:net';
import { execSync } from 'node:child_process';

/** Whether something listens on host:port. */
export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts the machine's PostgreSQL and Redis when they are down and the harness was not pointed
 * elsewhere (the same commands as .ci/run). Returns what it had to start.
 */
export async function ensureLocalServices(pgUrl: URL, redisUrl: URL): Promise<string[]> {
  const started: string[] = [];
  const local = (u: URL) => ['127.0.0.1', 'localhost'].includes(u.hostname);
  if (local(pgUrl) && !(await listening(pgUrl.hostname, Number(pgUrl.port || 5432)))) {
    execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', {
      stdio: 'inherit',
      shell: '/bin/bash',
    });
    started.push('postgresql');
  }
  if (local(redisUrl) && !(await listening(redisUrl.hostname, Number(redisUrl.port || 6379)))) {
    execSync(
      'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
      { stdio: 'inherit', shell: '/bin/bash' },
    );
    started.push('redis');
  }
  for (let i = 0; i < 50 && !(await listening(pgUrl.hostname, Number(pgUrl.port || 5432))); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  return started;
}

/** The server URL with another database name. */
export function withDatabase(serverUrl: URL, name: string): URL {
  const u = new URL(serverUrl.toString());
  u.pathname = `/${name}`;
  return u;
}

export async function withClient<T>(url: URL, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createDatabase(serverUrl: URL, name: string): Promise<URL> {
  await withClient(withDatabase(serverUrl, 'postgres'), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  return withDatabase(serverUrl, name);
}

export async function dropDatabase(serverUrl: URL, name: string): Promise<void> {
  await withClient(withDatabase(serverUrl, 'postgres'), (c) =>
    c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  );
}
