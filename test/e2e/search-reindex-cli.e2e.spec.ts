import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEmbedded } from '../support/embedded-seed';
import { startTypesenseFake, TypesenseFake } from '../support/typesense-fake';

const BIN = join(__dirname, '../../bin/neraca.js');

/** The compiled command, asynchronously: the Typesense fake answers from this process. */
function cli(args: string[], env: Record<string, string | undefined>) {
  const e = { ...process.env, ...env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete e[k];
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: e, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `neraca search reindex` in embedded mode (-d): with Typesense configured, and without. */
describe('neraca search reindex', () => {
  let dir: string;
  let fake: TypesenseFake;
  const ROWS = 25;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-reindex-'));
    fake = await startTypesenseFake();
    await seedEmbedded(dir, [
      `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
         precise_amount, precision, currency, status, hash, description)
       SELECT 'txn_cli_' || g, 'bln_a', 'bln_b', 'cli-' || g, 1.5, 150, 100, 'USD', 'APPLIED', '',
         'reindexed by the cli'
       FROM generate_series(1, ${ROWS}) g`,
    ]);
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const embedded = { BLNK_DATA_SOURCE_DNS: undefined, BLNK_REDIS_DNS: undefined };

  it('without Typesense: says there is nothing to rebuild, exit 0', async () => {
    const r = await cli(['search', 'reindex', '-d', dir], {
      ...embedded,
      BLNK_TYPESENSE_DNS: undefined,
    });
    expect(r.stdout).toContain('nothing to rebuild');
    expect(r.stdout).toContain('reindex completed: 0 of 0 records');
    expect(r.status).toBe(0);
  });

  it('refuses a bad --batch-size, exit 1', async () => {
    const r = await cli(['search', 'reindex', '-d', dir, '--batch-size', '0'], embedded);
    expect(r.stderr).toContain('batch_size');
    expect(r.status).not.toBe(0);
  });

  it('with Typesense: rebuilds every collection with a progress bar, exit 0', async () => {
    const r = await cli(['search', 'reindex', '-d', dir, '--batch-size', '4'], {
      ...embedded,
      BLNK_TYPESENSE_DNS: fake.url,
      BLNK_TYPESENSE_KEY: fake.key,
    });
    expect(r.status).toBe(0);
    // Not a terminal: cli-progress prints whole lines (noTTYOutput), the last at 100%.
    expect(r.stderr).toMatch(/reindex .* 100% \| \d+\/\d+ records \| completed/);
    expect(r.stdout).toMatch(/^reindex completed: (\d+) of \1 records\n$/);
    expect(fake.collections.get('transactions')!.size).toBe(ROWS);
    expect(fake.collections.get('balances')!.size).toBeGreaterThanOrEqual(2);
    // Batches of 4: 25 transactions in 7 imports.
    expect(fake.imports.filter((i) => i.collection === 'transactions').length).toBe(7);
  });
});
