import { SealChainUseCase } from '../../src/modules/transaction/application/chain/seal-chain.use-case';
import { VerifyChainUseCase } from '../../src/modules/transaction/application/chain/verify-chain.use-case';
import { startTestApp, TestApp } from '../support/app';
import { ledgerClient } from '../support/ledger-client';

/**
 * Attacks on the hash chain (issue 14) by someone who can write to the database as Neraca does
 * (no superuser, no trigger disabled). On PostgreSQL or embedded PGlite as the environment says.
 */
describe('hash chain under attack', () => {
  let t: TestApp;
  let c: ReturnType<typeof ledgerClient>;
  let ledger: string;

  beforeAll(async () => {
    // No background sealer: the test decides when rounds run.
    t = await startTestApp({ workers: false });
    ledger = (await t.http('POST', '/ledgers', { name: 'chain-attacks' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(() => t.close());

  const seal = () => t.app.get(SealChainUseCase).sealAll();

  it('an already sealed row put back in the pending list does not stop sealing', async () => {
    const a = await c.balance();
    const first = (await c.fund(a, 5, `sealed-${a}`)).json.transaction_id as string;
    await seal();
    // One INSERT the application's own database role may make.
    await t.ds.query(
      `INSERT INTO transaction_chain_pending (id) SELECT id FROM transactions WHERE transaction_id = $1`,
      [first],
    );
    const later = (await c.fund(a, 7, `later-${a}`)).json.transaction_id as string;
    await seal();
    const links = (await t.ds.query(
      `SELECT transaction_id FROM transaction_chain WHERE transaction_id = ANY($1::text[])`,
      [[first, later]],
    )) as unknown[];
    expect(links).toHaveLength(2);
    const report = await t.app.get(VerifyChainUseCase).verify();
    expect([report.firstBreak, report.chainProblems]).toEqual([null, []]);
  });
});
