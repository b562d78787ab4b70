/**
 * `node dist/bench/verify-chain.js [--rows N] [--pg URL]` (compiled as `npm run bench` compiles bench/)
 *
 * How long `neraca verify` takes on a large ledger: a scratch database gets N transaction rows
 * (default 1,000,000) written at once with generate_series (triggers off for the load, then each
 * row queued for sealing as the insert trigger would), the real sealer seals them all, and the
 * verify use case that `neraca verify` runs replays the chain with its default page size. Prints
 * the time of each step; the scratch database is dropped at the end.
 */
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { ChainSettings } from '../src/modules/transaction/application/chain/chain-settings';
import { SealChainUseCase } from '../src/modules/transaction/application/chain/seal-chain.use-case';
import { VerifyChainUseCase } from '../src/modules/transaction/application/chain/verify-chain.use-case';
import { ChainPgRepository } from '../src/modules/transaction/infrastructure/postgres/chain.pg-repository';
import { cliArg, withScratchLedger } from './lib/scratch';

const log = (s: string) => process.stdout.write(`${s}\n`);

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const out = await work();
  log(`${what}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  return out;
}

async function main(): Promise<void> {
  const rows = Number(cliArg('rows', '1000000'));
  await withScratchLedger('neraca_bench_chain', async (ds) => {
    await timed(`insert ${rows} rows`, () =>
      ds.transaction(async (m) => {
        // The outbox and reference-claim triggers are not what is measured here.
        await m.query(`SET LOCAL session_replication_role = replica`);
        await m.query(
          `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
             precise_amount, precision, currency, status, hash, created_at)
           SELECT 'txn_bench_' || g, 'bln_a', 'bln_b', 'bench-' || g, (g % 1000) + 0.25,
                  (g % 1000) * 100 + 25, 100, 'USD', 'APPLIED',
                  encode(sha256(convert_to(((g % 1000) + 0.25)::text || 'bench-' || g
                                           || 'USDbln_abln_b', 'UTF8')), 'hex'),
                  now() - make_interval(secs => $1 - g)
           FROM generate_series(1, $1) g`,
          [rows],
        );
        await m.query(`INSERT INTO transaction_chain_pending (id) SELECT id FROM transactions`);
      }),
    );
    await ds.query(`ANALYZE`);
    const seal = new SealChainUseCase(
      new TypeOrmUnitOfWork(ds),
      new ChainPgRepository(ds),
      new ChainSettings(true, 0, 10_000, 0),
    );
    const sealed = await timed('seal (batches of 10000)', () => seal.sealAll());
    await ds.query(`VACUUM ANALYZE transaction_chain`);
    let lastPrint = 0;
    const report = await timed('verify', () =>
      new VerifyChainUseCase(new ChainPgRepository(ds)).verify({
        onProgress: (p) => {
          if (Date.now() - lastPrint < 5000) return;
          lastPrint = Date.now();
          log(`  verified ${p.checked} of ${p.total}`);
        },
      }),
    );
    log(
      `sealed ${sealed}, verified ${report.checked} links: ` +
        (report.firstBreak || report.chainProblems.length ? 'BROKEN' : 'intact'),
    );
  });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
