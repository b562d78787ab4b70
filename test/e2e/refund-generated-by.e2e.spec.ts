import { createScopedKey, startTestApp, TestApp } from '../support/app';

/**
 * BLNK_GENERATED_BY on refunds (issue 11, finding 4): a refund row names the scoped key that
 * refunded, never the creator of the refunded row (its stamp is not copied), and a master-key
 * refund carries no stamp.
 */
describe('refunds carry the stamp of the key that refunds', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const newKey = (scopes: string[]) => createScopedKey(t, scopes, 'refunds');
  const transfer = (reference: string, key: string) =>
    t.http(
      'POST',
      '/transactions',
      {
        source: '@World',
        destination: '@Refunded',
        precise_amount: 10,
        currency: 'USD',
        reference,
        description: 'to refund',
        allow_overdraft: true,
        skip_queue: true,
        meta_data: { note: 'kept' },
      },
      { 'x-blnk-key': key },
    );

  it.each([true, false])(
    'skip_queue %s: the refunder is stamped, the creator is not copied',
    async (skip) => {
      const creator = await newKey(['transactions:write', 'transactions:read']);
      const refunder = await newKey(['transactions:write', 'transactions:read']);
      const made = await transfer(`to-refund-${skip}`, creator.key);
      expect(made.status).toBe(201);
      expect(made.json.meta_data).toMatchObject({ BLNK_GENERATED_BY: creator.id });

      const byKey = await t.http(
        'POST',
        `/refund-transaction/${made.json.transaction_id}`,
        { skip_queue: skip },
        { 'x-blnk-key': refunder.key },
      );
      expect(byKey.status).toBe(201);
      expect(byKey.json.meta_data).toMatchObject({ note: 'kept', BLNK_GENERATED_BY: refunder.id });

      const other = await transfer(`to-refund-master-${skip}`, creator.key);
      const byMaster = await t.http('POST', `/refund-transaction/${other.json.transaction_id}`, {
        skip_queue: skip,
      });
      expect(byMaster.status).toBe(201);
      expect(byMaster.json.meta_data.note).toBe('kept');
      expect(byMaster.json.meta_data.BLNK_GENERATED_BY).toBeUndefined();
    },
  );
});
