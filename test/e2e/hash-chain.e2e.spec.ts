import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { ChainSettings } from '../../src/modules/transaction/application/chain/chain-settings';
import { SealChainUseCase } from '../../src/modules/transaction/application/chain/seal-chain.use-case';
import { ChainPgRepository } from '../../src/modules/transaction/infrastructure/postgres/chain.pg-repository';
import { startTestApp, TestApp } from '../support/app';
import { createTestDatabase, openDataSource } from '../support/database';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

const BIN = join(__dirname, '../../bin/neraca.js');

describe('chain_seq and chain_hash over HTTP', () => {
  let t: TestApp;
  let txn: ReturnType<typeof ledgerClient>['txn'];
  let balance: ReturnType<typeof ledgerClient>['balance'];

  beforeAll(async () => {
    // No background work: this suite seals when it chooses to.
    t = await startTestApp({ workers: false });
    const ledger = (await t.http('POST', '/ledgers', { name: 'chain' })).json.ledger_id;
    ({ txn, balance } = ledgerClient(t, () => ledger));
  });
  afterAll(() => t.close());

  it('a row shows no chain fields before it is sealed, and its link after', async () => {
    const a = await balance();
    const fund = await txn({
      source: '@World',
      destination: a,
      amount: 10,
      precision: 100,
      reference: 'chain-1',
      allow_overdraft: true,
    });
    expect(fund.status).toBe(201);
    expect(fund.json).not.toHaveProperty('chain_seq');
    const id = fund.json.transaction_id as string;
    const before = await t.http('GET', `/transactions/${id}`);
    expect(before.json).not.toHaveProperty('chain_seq');
    expect(before.json).not.toHaveProperty('chain_hash');

    await t.app.get(SealChainUseCase).sealAll();
    const [link] = await t.ds.query(
      `SELECT seq::int AS seq, chain_hash FROM transaction_chain WHERE transaction_id = $1`,
      [id],
    );
    const after = await t.http('GET', `/transactions/${id}`);
    expect(after.json).toMatchObject({ chain_seq: link.seq, chain_hash: link.chain_hash });
    expect(after.json.chain_hash).toMatch(/^[0-9a-f]{64}$/);
    const byRef = await t.http('GET', `/transactions/reference/chain-1`);
    expect(byRef.json).toMatchObject({ chain_seq: link.seq, chain_hash: link.chain_hash });
    const list = await t.http('GET', `/transactions?limit=100`);
    const listed = (list.json as { transaction_id: string }[]).find((r) => r.transaction_id === id);
    expect(listed).toMatchObject({ chain_seq: link.seq, chain_hash: link.chain_hash });
    const filtered = await t.http('POST', '/transactions/filter', {
      filters: [{ field: 'transaction_id', operator: 'eq', value: id }],
    });
    expect(filtered.json[0]).toMatchObject({ chain_seq: link.seq });
  });
});

describe('the sealer in the background (this backend, in-process workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('seals a new row without being asked, queued rows and their outcomes too', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'bg' })).json.ledger_id;
    const { balance, txn } = ledgerClient(t, () => ledger);
    const a = await balance();
    const queued = await txn({
      source: '@World',
      destination: a,
      amount: 5,
      precision: 100,
      reference: 'chain-bg',
      allow_overdraft: true,
      skip_queue: false,
    });
    expect(queued.status).toBe(201);
    // The default poll is 5 s.
    await waitFor(
      async () => {
        const rows: { n: number }[] = await t.ds.query(
          `SELECT count(*)::int AS n FROM transactions t
           WHERE NOT EXISTS (SELECT 1 FROM transaction_chain c WHERE c.transaction_id = t.transaction_id)`,
        );
        const applied: { n: number }[] = await t.ds.query(
          `SELECT count(*)::int AS n FROM transactions WHERE status = 'APPLIED'`,
        );
        return rows[0].n === 0 && applied[0].n > 0 ? true : undefined;
      },
      30000,
      'every row sealed',
    );
    const got = await t.http('GET', `/transactions/${queued.json.transaction_id}`);
    expect(got.json.chain_seq).toBeGreaterThan(0);
  });
});

function cli(args: string[], env: Record<string, string | undefined>) {
  const e = { ...process.env, ...env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete e[k];
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: e, timeout: 90000 });
}

async function fillAndSeal(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO balances (balance_id, ledger_id, currency)
     VALUES ('bln_a','general_ledger_id','USD'),('bln_b','general_ledger_id','USD')`,
  );
  await ds.query(
    `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
       precise_amount, precision, currency, status, hash)
     SELECT 'txn_cli_' || g, 'bln_a', 'bln_b', 'cli-' || g, 1.5, 150, 100, 'USD', 'APPLIED', ''
     FROM generate_series(1, 3) g`,
  );
  await new SealChainUseCase(
    new TypeOrmUnitOfWork(ds),
    new ChainPgRepository(ds),
    new ChainSettings(),
  ).sealAll();
}

const TAMPER = [
  `SET LOCAL session_replication_role = replica`,
  `UPDATE transactions SET amount = 2.5 WHERE transaction_id = 'txn_cli_2'`,
];

async function tamper(ds: DataSource): Promise<void> {
  await ds.transaction(async (m) => {
    for (const s of TAMPER) await m.query(s);
  });
}

function expectIntact(r: ReturnType<typeof cli>): void {
  expect(r.stderr).toContain('verified 3 of 3 links (100%)');
  expect(r.stdout).toMatch(/^chain intact: 3 links, head seq 3 [0-9a-f]{64}; 0 row\(s\) waiting/);
  expect(r.status).toBe(0);
}

function expectBroken(r: ReturnType<typeof cli>): void {
  expect(r.stdout).toContain('chain BROKEN at seq 2, transaction txn_cli_2: changed: amount');
  expect(r.status).toBe(2);
}

describe('neraca verify', () => {
  it('embedded mode (-d): exit 0 when intact, 2 naming the changed row and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neraca-verify-'));
    try {
      const open = async () => {
        const pg = await startEmbeddedPostgres(join(dir, 'pgdata'));
        const ds = createDataSource({ dsn: pg.dsn, poolSize: 1, exclusive: true });
        await ds.initialize();
        return {
          ds,
          close: async () => {
            await ds.destroy();
            await pg.stop();
          },
        };
      };
      const first = await open();
      await migrateUp(first.ds);
      await fillAndSeal(first.ds);
      await first.close();
      const env = { BLNK_DATA_SOURCE_DNS: undefined, BLNK_REDIS_DNS: undefined };
      expectIntact(cli(['verify', '-d', dir], env));
      const second = await open();
      await tamper(second.ds);
      await second.close();
      expectBroken(cli(['verify-chain', '-d', dir], env));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // With a PostgreSQL server configured (the CI's PostgreSQL pass).
  if (!process.env.BLNK_DATA_SOURCE_DNS) return;
  it('PostgreSQL: the same, and Blnk name verify-chain', async () => {
    const db = await createTestDatabase('postgres');
    const ds = await openDataSource(db);
    try {
      await fillAndSeal(ds);
      const env = { BLNK_DATA_SOURCE_DNS: db.dsn, BLNK_REDIS_DNS: undefined };
      expectIntact(cli(['verify-chain'], env));
      await tamper(ds);
      expectBroken(cli(['verify'], env));
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });
});
