import { nameable, REPEATS, StatementNames, TRACKED } from './prepared-statements';

describe('StatementNames', () => {
  it('names a text on its REPEATS-th send, and by the same digest in every pool', () => {
    const names = new StatementNames();
    for (let i = 1; i < REPEATS; i++) expect(names.nameFor('SELECT $1')).toBeUndefined();
    const name = names.nameFor('SELECT $1');
    expect(name).toMatch(/^neraca_[0-9a-f]{24}$/);
    expect(names.nameFor('SELECT $1')).toBe(name);
    const other = new StatementNames();
    for (let i = 1; i < REPEATS; i++) other.nameFor('SELECT $1');
    expect(other.nameFor('SELECT $1')).toBe(name);
    expect(other.nameFor('SELECT $2')).toBeUndefined();
  });

  it('never names a refused text again', () => {
    const names = new StatementNames();
    for (let i = 0; i < REPEATS; i++) names.nameFor('SELECT a FROM t WHERE id = $1');
    expect(names.size).toBe(1);
    names.refuse('SELECT a FROM t WHERE id = $1');
    for (let i = 0; i < REPEATS * 2; i++) {
      expect(names.nameFor('SELECT a FROM t WHERE id = $1')).toBeUndefined();
    }
    expect(names.size).toBe(0);
  });

  it('counts and names at most TRACKED texts, and starts afresh when full', () => {
    const names = new StatementNames();
    for (let r = 0; r < REPEATS; r++) {
      for (let i = 0; i < TRACKED; i++) names.nameFor(`SELECT ${i} + $1`);
    }
    expect(names.size).toBe(TRACKED);
    const hot = 'SELECT -1 + $1';
    // The next name to be earned clears the others: the hot text still earns one.
    for (let r = 1; r < REPEATS; r++) expect(names.nameFor(hot)).toBeUndefined();
    expect(names.nameFor(hot)).toMatch(/^neraca_/);
    expect(names.size).toBe(1);
    // Texts sent once each fill the counter; it clears, so a text first seen then is named.
    const fresh = new StatementNames();
    for (let i = 0; i < TRACKED + 1; i++) fresh.nameFor(`SELECT ${i} - $1`);
    expect(fresh.counting).toBe(1);
    for (let r = 1; r < REPEATS; r++) expect(fresh.nameFor(hot)).toBeUndefined();
    expect(fresh.nameFor(hot)).toMatch(/^neraca_/);
  });

  it('leaves texts whose result columns come from * unnamed', () => {
    expect(nameable('SELECT count(*) FROM t WHERE a = $1')).toBe(true);
    expect(nameable('SELECT a, b FROM t WHERE a = $1')).toBe(true);
    expect(nameable('SELECT * FROM t WHERE a = $1')).toBe(false);
    expect(nameable('SELECT t.* FROM t WHERE a = $1')).toBe(false);
    expect(nameable('UPDATE t SET a = $1 RETURNING *')).toBe(false);
    expect(nameable('SELECT (*) FROM t WHERE a = $1 * 2')).toBe(false);
    // A write without RETURNING has no result columns for a * to change.
    expect(nameable('INSERT INTO t (a, b) SELECT * FROM unnest($1::int[], $2::int[])')).toBe(true);
    expect(nameable(' delete FROM t USING (SELECT * FROM u) x WHERE t.a = x.a AND x.b = $1')).toBe(
      true,
    );
    expect(nameable('INSERT INTO t SELECT * FROM unnest($1::int[]) RETURNING *')).toBe(false);
    expect(nameable('INSERT INTO t SELECT * FROM unnest($1::int[]) returning a')).toBe(false);
    expect(nameable('WITH u AS (UPDATE t SET a = $1 RETURNING a) SELECT * FROM u')).toBe(false);
    expect(nameable('SELECT * FROM t WHERE a = $1 -- INSERT')).toBe(false);
    const names = new StatementNames();
    for (let i = 0; i < REPEATS * 2; i++) expect(names.nameFor('SELECT * FROM t')).toBeUndefined();
  });
});
