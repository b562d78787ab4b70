import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEmbedded } from '../support/embedded-seed';

const BIN = join(__dirname, '../../bin/neraca.js');

function cli(args: string[]) {
  const env = { ...process.env };
  delete env.BLNK_DATA_SOURCE_DNS;
  delete env.BLNK_REDIS_DNS;
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `neraca reconcile upload` and `neraca reconcile start` in embedded mode (-d), compiled. */
describe('neraca reconcile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-reconcile-'));
    await seedEmbedded(dir, [
      `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
         precise_amount, precision, currency, status, hash, description)
       VALUES ('txn_cli_1', 'bln_a', 'bln_b', 'cli-1', 12.5, 1250, 100, 'USD', 'APPLIED', '', 'one'),
              ('txn_cli_2', 'bln_a', 'bln_b', 'cli-2', 40, 4000, 100, 'USD', 'APPLIED', '', 'two')`,
      `INSERT INTO matching_rules (rule_id, name, criteria, created_at, updated_at)
       VALUES ('rule_cli', 'amount', '[{"field":"amount","operator":"equals","value":"","pattern":"","drift":"0"}]', now(), now())`,
    ]);
    writeFileSync(
      join(dir, 'statement.csv'),
      'id,amount,currency,reference,description,date\n' +
        'c1,12.50,USD,r1,one,2024-03-01T10:00:00Z\n' +
        'c2,40,USD,r2,two,2024-03-01T10:00:00Z\n' +
        'c3,41,USD,r3,three,2024-03-01T10:00:00Z\n',
    );
    writeFileSync(
      join(dir, 'bad.csv'),
      'id,amount,currency,reference,description,date\nx,ten,USD,r,d,2024-03-01T10:00:00Z\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads a file, then runs a reconciliation with a progress bar to its end', async () => {
    const up = await cli([
      'reconcile',
      'upload',
      join(dir, 'statement.csv'),
      '--source',
      'bank-cli',
      '-d',
      dir,
    ]);
    expect(up.status).toBe(0);
    const stored = JSON.parse(up.stdout);
    expect(stored).toEqual({
      upload_id: expect.stringMatching(/^upload_/),
      record_count: 3,
      source: 'bank-cli',
    });
    const run = await cli([
      'reconcile',
      'start',
      '--upload-id',
      stored.upload_id,
      '--strategy',
      'one_to_one',
      '--rule',
      'rule_cli',
      '-d',
      dir,
    ]);
    expect(run.status).toBe(0);
    // Not a terminal: cli-progress prints whole lines (noTTYOutput), the last at 100%.
    expect(run.stderr).toMatch(/reconcile .* 100% \| 3\/3 rows \| 2 matched/);
    expect(run.stdout).toMatch(
      /^reconciliation completed: 2 matched, 1 unmatched of 3 \(recon_[^)]+\)\n$/,
    );
  });

  it('refuses a faulty file and a start it cannot run, exit 1, with the reference codes', async () => {
    const bad = await cli(['reconcile', 'upload', join(dir, 'bad.csv'), '-d', dir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('RECON_UPLOAD_FAILED');
    const noRule = await cli(['reconcile', 'start', '--upload-id', 'upload_nope', '-d', dir]);
    expect(noRule.status).not.toBe(0);
    expect(noRule.stderr).toContain('RECON_MATCHING_RULES_REQUIRED');
  });
});
