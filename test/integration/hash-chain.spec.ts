import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { ChainSettings } from '../../src/modules/transaction/application/chain/chain-settings';
import { SealChainUseCase } from '../../src/modules/transaction/application/chain/seal-chain.use-case';
import {
  VerifyChainUseCase,
  VerifyReport,
} from '../../src/modules/transaction/application/chain/verify-chain.use-case';
import { transactionHash } from '../../src/modules/transaction/domain/hash';
import { ChainPgRepository } from '../../src/modules/transaction/infrastructure/postgres/chain.pg-repository';
import { TransactionPgRepository } from '../../src/modules/transaction/infrastructure/postgres/transaction.pg-repository';
import { row as fixtureRow } from '../support/contracts/fixtures';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

/** A ledger row whose own hash agrees with its fields, as the engine writes them. */
function row(n: number, createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n))) {
  const r = fixtureRow(n, {
    transactionId: `txn_chain_${String(n).padStart(6, '0')}`,
    reference: `chain-ref-${n}`,
    amount: '12.50',
    preciseAmount: 1250n,
    createdAt,
  });
  return {
    ...r,
    hash: transactionHash(r.amount, r.reference, r.currency, r.source, r.destination),
  };
}

/** Runs statements as a superuser who switched off triggers (and foreign keys) for them. */
async function asReplica(ds: DataSource, ...statements: string[]): Promise<void> {
  await ds.transaction(async (m) => {
    await m.query(`SET LOCAL session_replication_role = replica`);
    for (const s of statements) await m.query(s);
  });
}

/** The same with the immutability trigger itself disabled for the statements. */
async function withTriggerDisabled(
  ds: DataSource,
  table: string,
  trigger: string,
  ...statements: string[]
): Promise<void> {
  await ds.transaction(async (m) => {
    await m.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    for (const s of statements) await m.query(s);
    await m.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  });
}

function describeBreak(r: VerifyReport): string {
  const b = r.firstBreak;
  return [b ? `${b.seq} ${b.transactionId}: ${b.problems.join('; ')}` : '', ...r.chainProblems]
    .filter(Boolean)
    .join(' | ');
}

describe.each(BACKENDS)('transaction hash chain on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: TransactionPgRepository;
  let uow: TypeOrmUnitOfWork;
  let sealer: SealChainUseCase;
  let verifier: VerifyChainUseCase;
  let next = 1;

  async function insert(count: number): Promise<string[]> {
    const rows = Array.from({ length: count }, () => row(next++));
    await uow.run((tx) => repo.insert(tx, rows));
    return rows.map((r) => r.transactionId);
  }

  async function sealedIds(): Promise<string[]> {
    const rows: { transaction_id: string }[] = await ds.query(
      `SELECT transaction_id FROM transaction_chain ORDER BY seq`,
    );
    return rows.map((r) => r.transaction_id);
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    uow = new TypeOrmUnitOfWork(ds);
    repo = new TransactionPgRepository(ds);
    const chain = new ChainPgRepository(ds);
    sealer = new SealChainUseCase(uow, chain, new ChainSettings(true, 100, 7, 0));
    verifier = new VerifyChainUseCase(chain);
    await ds.query(
      `INSERT INTO balances (balance_id, ledger_id, currency)
       VALUES ('bln_a','general_ledger_id','USD'),('bln_b','general_ledger_id','USD')`,
    );
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('an empty chain is intact: genesis of 64 zeros in chain_state', async () => {
    const [state] = await ds.query(
      `SELECT last_seq::text, head_hash, genesis_hash FROM chain_state`,
    );
    expect(state).toEqual({
      last_seq: '0',
      head_hash: '0'.repeat(64),
      genesis_hash: '0'.repeat(64),
    });
    const report = await verifier.verify();
    expect(report.firstBreak).toBeNull();
    expect(report.chainProblems).toEqual([]);
    expect(report.checked).toBe(0n);
  });

  it('seals every row once, in id order, in batches, with the §5.14 hash from genesis', async () => {
    const ids = await insert(20);
    expect(await sealer.sealRound()).toBe(7); // batch_size
    expect(await sealer.sealAll()).toBe(13);
    expect(await sealedIds()).toEqual(ids);
    const links: { seq: string; prev_hash: string; chain_hash: string }[] = await ds.query(
      `SELECT c.seq::text, prev_hash, chain_hash FROM transaction_chain c ORDER BY c.seq`,
    );
    expect(links.map((l) => l.seq)).toEqual(ids.map((_, i) => String(i + 1)));
    expect(links[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < links.length; i++) expect(links[i].prev_hash).toBe(links[i - 1].chain_hash);
    // The first link, computed here from the row as inserted (amount as NUMERIC text, created_at
    // as UTC RFC3339Nano with the fraction's trailing zeros trimmed, as Go prints it).
    const first = row(1);
    const expected = createHash('sha256')
      .update(
        [
          '0'.repeat(64),
          first.transactionId,
          'bln_a',
          'bln_b',
          '12.50',
          '1250',
          'USD',
          'APPLIED',
          first.reference,
          '2026-01-01T00:00:00.001Z',
        ].join('|'),
      )
      .digest('hex');
    expect(links[0].chain_hash).toBe(expected);
    const [state] = await ds.query(`SELECT last_seq::text, head_hash FROM chain_state`);
    expect(state).toEqual({ last_seq: '20', head_hash: links[19].chain_hash });
    expect(await ds.query(`SELECT count(*)::int AS n FROM transaction_chain_pending`)).toEqual([
      { n: 0 },
    ]);
  });

  it('verify replays the chain page by page and finds it intact', async () => {
    const progress: bigint[] = [];
    const report = await verifier.verify({
      pageSize: 6,
      onProgress: (p) => progress.push(p.checked),
    });
    expect(describeBreak(report)).toBe('');
    expect(report.checked).toBe(20n);
    expect(progress).toEqual([6n, 12n, 18n, 20n]);
  });

  it('chain rows are append-only', async () => {
    await expect(ds.query(`UPDATE transaction_chain SET chain_hash = prev_hash`)).rejects.toThrow(
      /append-only/,
    );
    await expect(ds.query(`DELETE FROM transaction_chain`)).rejects.toThrow(/append-only/);
  });

  const target = row(5).transactionId;
  it.each([
    [
      'amount (immutability trigger disabled)',
      (d: DataSource) =>
        withTriggerDisabled(
          d,
          'transactions',
          'transactions_immutable',
          `UPDATE transactions SET amount = 13.50 WHERE transaction_id = '${target}'`,
        ),
      (d: DataSource) =>
        withTriggerDisabled(
          d,
          'transactions',
          'transactions_immutable',
          `UPDATE transactions SET amount = 12.50 WHERE transaction_id = '${target}'`,
        ),
      [
        'row hash: hash does not match the row',
        'changed: amount',
        'chain_hash does not match the row',
      ],
    ],
    [
      'reference (session_replication_role = replica)',
      (d: DataSource) =>
        asReplica(
          d,
          `UPDATE transactions SET reference = 'moved' WHERE transaction_id = '${target}'`,
        ),
      (d: DataSource) =>
        asReplica(
          d,
          `UPDATE transactions SET reference = 'chain-ref-5' WHERE transaction_id = '${target}'`,
        ),
      [
        'row hash: hash does not match the row',
        'changed: reference',
        'chain_hash does not match the row',
      ],
    ],
    [
      'the row hash column',
      (d: DataSource) =>
        asReplica(d, `UPDATE transactions SET hash = md5(hash) WHERE transaction_id = '${target}'`),
      (d: DataSource) =>
        asReplica(
          d,
          `UPDATE transactions SET hash = '${row(5).hash}' WHERE transaction_id = '${target}'`,
        ),
      ['row hash: hash does not match the row', 'changed: hash'],
    ],
    [
      'a column outside Blnk chain fields (allow_overdraft)',
      (d: DataSource) =>
        asReplica(
          d,
          `UPDATE transactions SET allow_overdraft = true WHERE transaction_id = '${target}'`,
        ),
      (d: DataSource) =>
        asReplica(
          d,
          `UPDATE transactions SET allow_overdraft = false WHERE transaction_id = '${target}'`,
        ),
      ['changed: allow_overdraft'],
    ],
    [
      'a link of the chain itself (chain_hash)',
      (d: DataSource) =>
        withTriggerDisabled(
          d,
          'transaction_chain',
          'transaction_chain_append_only',
          `CREATE TABLE saved_link AS SELECT * FROM transaction_chain WHERE seq = 5`,
          `UPDATE transaction_chain SET chain_hash = repeat('a', 64) WHERE seq = 5`,
        ),
      (d: DataSource) =>
        withTriggerDisabled(
          d,
          'transaction_chain',
          'transaction_chain_append_only',
          `UPDATE transaction_chain c SET chain_hash = s.chain_hash FROM saved_link s WHERE c.seq = 5`,
          `DROP TABLE saved_link`,
        ),
      ['chain_hash does not match the row'],
    ],
  ])(
    'verify names the first broken row when %s was changed',
    async (_what, tamper, restore, problems) => {
      await tamper(ds);
      const broken = await verifier.verify({ pageSize: 4 });
      expect(broken.firstBreak).toMatchObject({ seq: 5n, transactionId: target, problems });
      await restore(ds);
      expect(describeBreak(await verifier.verify())).toBe('');
    },
  );

  it('verify reports a deleted link, a deleted row and a truncated tail', async () => {
    await asReplica(
      ds,
      `CREATE TABLE saved_links AS SELECT * FROM transaction_chain WHERE seq IN (7, 20)`,
      `CREATE TABLE saved_rows AS SELECT * FROM transactions WHERE transaction_id = '${row(3).transactionId}'`,
      `DELETE FROM transaction_chain WHERE seq IN (7, 20)`,
      `DELETE FROM transactions WHERE transaction_id = '${row(3).transactionId}'`,
    );
    const report = await verifier.verify();
    expect(report.firstBreak).toMatchObject({
      seq: 3n,
      transactionId: row(3).transactionId,
      problems: ['the transaction row is missing'],
    });
    expect(report.breaks).toBe(2); // the row of seq 3; seq 8 after the deleted 7
    expect(report.chainProblems).toEqual([
      expect.stringMatching(/stored head \(seq 20, .*\) is not the last link \(seq 19,/),
      // The rows whose links were deleted.
      `2 transaction row(s) are neither sealed nor waiting to be (first: ${row(7).transactionId})`,
    ]);
    await asReplica(
      ds,
      `INSERT INTO transactions SELECT * FROM saved_rows`,
      `INSERT INTO transaction_chain SELECT * FROM saved_links`,
      `DROP TABLE saved_rows`,
      `DROP TABLE saved_links`,
    );
    expect(describeBreak(await verifier.verify())).toBe('');
  });

  it('verify reports a row that is neither sealed nor waiting (its pending id deleted)', async () => {
    const [id] = await insert(1);
    await asReplica(ds, `DELETE FROM transaction_chain_pending`);
    const report = await verifier.verify();
    expect(report.chainProblems).toEqual([
      `1 transaction row(s) are neither sealed nor waiting to be (first: ${id})`,
    ]);
    await ds.query(
      `INSERT INTO transaction_chain_pending (id) SELECT id FROM transactions WHERE transaction_id = $1`,
      [id],
    );
    expect(describeBreak(await verifier.verify())).toBe('');
    expect((await verifier.verify()).backlog).toBe(1);
    await sealer.sealAll();
    expect((await sealedIds()).at(-1)).toBe(id);
  });

  it('a row that rolls back leaves nothing to seal', async () => {
    const before = await sealer.sealAll();
    expect(before).toBe(0);
    await expect(
      uow.run(async (tx) => {
        await repo.insert(tx, [row(next++)]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await ds.query(`SELECT count(*)::int AS n FROM transaction_chain_pending`)).toEqual([
      { n: 0 },
    ]);
  });

  if (kind !== 'postgres') return;

  /** A writer on its own connection whose transaction stays open until `commit`. */
  async function openWriter(): Promise<{ id: string; commit(): Promise<void>; client: Client }> {
    const client = new Client({ connectionString: db.dsn });
    await client.connect();
    await client.query(`SET search_path = blnk, public`);
    await client.query('BEGIN');
    const r = row(next++);
    await client.query(
      `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
         precise_amount, precision, currency, status, hash, created_at)
       VALUES ($1, 'bln_a', 'bln_b', $2, 12.50, 1250, 100, 'USD', 'APPLIED', $3, $4)`,
      [r.transactionId, r.reference, r.hash, r.createdAt.toISOString()],
    );
    return {
      id: r.transactionId,
      client,
      async commit() {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  it('a row committed late with an older id is sealed once, after the rows that committed first', async () => {
    await sealer.sealAll();
    const late = await openWriter(); // takes the lower id, commits last
    const early = await insert(2);
    expect(await sealer.sealAll()).toBe(2);
    expect((await sealedIds()).slice(-2)).toEqual(early);
    await late.commit();
    expect(await sealer.sealAll()).toBe(1);
    const ids = await sealedIds();
    expect(ids.slice(-3)).toEqual([...early, late.id]);
    expect(ids.filter((i) => i === late.id)).toHaveLength(1);
    expect(describeBreak(await verifier.verify())).toBe('');
  });

  it('two sealers racing while writers commit out of order produce one chain', async () => {
    const second = await openDataSource(db);
    try {
      const other = new SealChainUseCase(
        new TypeOrmUnitOfWork(second),
        new ChainPgRepository(second),
        new ChainSettings(true, 100, 5, 0),
      );
      let writing = true;
      const seal = async (s: SealChainUseCase) => {
        let sealed = 0;
        for (;;) {
          const last = !writing;
          const n = await s.sealRound();
          sealed += n ?? 0;
          if (last && n === 0) return sealed;
          if (!n) await new Promise((r) => setTimeout(r, 2));
        }
      };
      const writers = (async () => {
        for (let i = 0; i < 15; i++) {
          // Ids taken in one order, committed in another.
          const held = [await openWriter(), await openWriter(), await openWriter()];
          await insert(2);
          for (const w of held.reverse()) {
            await new Promise((r) => setTimeout(r, Math.random() * 5));
            await w.commit();
          }
        }
        writing = false;
      })();
      const [a, b] = await Promise.all([seal(sealer), seal(other), writers]);
      // Every row written meanwhile was sealed by one of the two, once.
      expect(a + b).toBe(15 * 5);
      expect(await sealer.sealAll()).toBe(0);
      const [counts] = await ds.query(
        `SELECT (SELECT count(*) FROM transactions)::int AS rows,
                (SELECT count(*) FROM transaction_chain)::int AS links,
                (SELECT count(DISTINCT transaction_id) FROM transaction_chain)::int AS distinct_ids,
                (SELECT max(seq) FROM transaction_chain)::int AS last`,
      );
      expect(counts.links).toBe(counts.rows);
      expect(counts.distinct_ids).toBe(counts.rows);
      expect(counts.last).toBe(counts.rows);
      expect(describeBreak(await verifier.verify())).toBe('');
    } finally {
      await second.destroy();
    }
  });
});
