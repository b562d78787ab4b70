import { createHash } from 'node:crypto';
import {
  chainHash,
  changedFields,
  checkLink,
  fieldDigests,
  GENESIS_HASH,
  linkRows,
  SEALED_FIELDS,
  SealedRow,
  StoredLink,
} from './chain';
import { transactionHash } from './hash';

function sealed(n: number, over: Partial<SealedRow> = {}): SealedRow {
  const row = Object.fromEntries(SEALED_FIELDS.map((f) => [f, null])) as SealedRow;
  Object.assign(row, {
    transaction_id: `txn_${n}`,
    source: 'bln_a',
    destination: 'bln_b',
    amount: '12.50',
    precise_amount: '1250',
    currency: 'USD',
    status: 'APPLIED',
    reference: `ref-${n}`,
    created_at: '2026-01-01T00:00:00.123456Z',
    parent_transaction: '',
    precision: '100',
    description: '',
    allow_overdraft: 'false',
    overdraft_limit: '0',
    inflight: 'false',
    atomic: 'false',
  });
  row.hash = transactionHash('12.50', `ref-${n}`, 'USD', 'bln_a', 'bln_b');
  return { ...row, ...over };
}

const stored = (links: ReturnType<typeof linkRows>, rows: SealedRow[]): StoredLink[] =>
  links.map((l, i) => ({ ...l, row: rows[i] }));

describe('the hash chain (reference §5.14)', () => {
  it('chain_hash is SHA-256 of prev|id|source|destination|amount|precise_amount|currency|status|reference|created_at', () => {
    const row = sealed(1, { destination: null });
    const expected = createHash('sha256')
      .update(
        `${'0'.repeat(64)}|txn_1|bln_a||12.50|1250|USD|APPLIED|ref-1|2026-01-01T00:00:00.123456Z`,
      )
      .digest('hex');
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(chainHash(GENESIS_HASH, row)).toBe(expected);
  });

  it('links rows from the head: seq 1, 2, 3 and each prev is the chain_hash before it', () => {
    const links = linkRows({ seq: 0n, hash: GENESIS_HASH }, [sealed(1), sealed(2), sealed(3)]);
    expect(links.map((l) => l.seq)).toEqual([1n, 2n, 3n]);
    expect(links[0].prevHash).toBe(GENESIS_HASH);
    expect(links[1].prevHash).toBe(links[0].chainHash);
    expect(links[2].prevHash).toBe(links[1].chainHash);
    expect(links.every((l) => l.rowHashOk)).toBe(true);
    const more = linkRows({ seq: 3n, hash: links[2].chainHash }, [sealed(4)]);
    expect(more[0].seq).toBe(4n);
    expect(more[0].prevHash).toBe(links[2].chainHash);
  });

  it('an intact chain has no break', () => {
    const rows = [sealed(1), sealed(2)];
    const links = stored(linkRows({ seq: 0n, hash: GENESIS_HASH }, rows), rows);
    expect(checkLink({ seq: 0n, hash: GENESIS_HASH }, links[0])).toBeNull();
    expect(checkLink({ seq: 1n, hash: links[0].chainHash }, links[1])).toBeNull();
  });

  it.each([
    ['amount', { amount: '12.51' }],
    ['reference', { reference: 'other' }],
    ['status', { status: 'VOID' }],
    ['created_at', { created_at: '2026-01-01T00:00:00.123457Z' }],
    ['destination', { destination: null }],
  ] as const)('names a changed %s (a chain field)', (field, change) => {
    const [link] = linkRows({ seq: 0n, hash: GENESIS_HASH }, [sealed(1)]);
    const broken = checkLink(
      { seq: 0n, hash: GENESIS_HASH },
      { ...link, row: { ...sealed(1), ...change } },
    );
    expect(broken?.fields).toEqual([field]);
    expect(broken?.problems.join('; ')).toContain(`changed: ${field}`);
    expect(broken?.problems).toContain('chain_hash does not match the row');
  });

  it('names a changed column outside Blnk chain fields (precision, a flag, a link, NULL vs "")', () => {
    const [link] = linkRows({ seq: 0n, hash: GENESIS_HASH }, [sealed(1)]);
    for (const [field, change] of [
      ['precision', { precision: '1000' }],
      ['allow_overdraft', { allow_overdraft: 'true' }],
      ['refund_of', { refund_of: 'txn_x' }],
      ['parent_transaction', { parent_transaction: null }],
    ] as const) {
      const broken = checkLink(
        { seq: 0n, hash: GENESIS_HASH },
        { ...link, row: { ...sealed(1), ...change } },
      );
      expect(broken?.fields).toEqual([field]);
      // Blnk's chain hash does not cover it; the fields hash does.
      expect(broken?.problems).not.toContain('chain_hash does not match the row');
    }
  });

  it('a row hash that no longer matches the row is reported as such', () => {
    const [link] = linkRows({ seq: 0n, hash: GENESIS_HASH }, [sealed(1)]);
    const broken = checkLink(
      { seq: 0n, hash: GENESIS_HASH },
      { ...link, row: { ...sealed(1), hash: 'f'.repeat(64) } },
    );
    expect(broken?.fields).toEqual(['hash']);
    expect(broken?.problems).toContain('row hash: hash does not match the row');
  });

  it('a row whose own hash never matched is sealed as such and not reported for it', () => {
    const odd = sealed(1, { hash: 'legacy' });
    const [link] = linkRows({ seq: 0n, hash: GENESIS_HASH }, [odd]);
    expect(link.rowHashOk).toBe(false);
    expect(checkLink({ seq: 0n, hash: GENESIS_HASH }, { ...link, row: odd })).toBeNull();
  });

  it('reports a broken prev link, a missing seq and a missing row', () => {
    const rows = [sealed(1), sealed(2), sealed(3)];
    const links = stored(linkRows({ seq: 0n, hash: GENESIS_HASH }, rows), rows);
    const skipped = checkLink({ seq: 1n, hash: links[0].chainHash }, links[2]);
    expect(skipped?.problems).toEqual([
      'seq 2 is missing',
      'prev link: prev_hash is not the previous chain_hash',
    ]);
    const relinked = checkLink(
      { seq: 1n, hash: links[0].chainHash },
      { ...links[1], chainHash: 'a'.repeat(64) },
    );
    expect(relinked?.problems).toEqual(['chain_hash does not match the row']);
    expect(relinked?.fields).toEqual([]);
    const gone = checkLink({ seq: 0n, hash: GENESIS_HASH }, { ...links[0], row: null });
    expect(gone?.problems).toEqual(['the transaction row is missing']);
  });

  it('digests tell NULL from the empty string', () => {
    const a = fieldDigests(sealed(1, { description: '' }));
    expect(changedFields(sealed(1, { description: null }), a)).toEqual(['description']);
  });
});
