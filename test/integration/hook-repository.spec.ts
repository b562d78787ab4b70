import { DataSource } from 'typeorm';
import { HookPgRepository } from '../../src/modules/hook/infrastructure/postgres/hook.pg-repository';
import type { Hook } from '../../src/modules/hook/domain/hook';
import { MemoryHookRepository } from '../support/fakes/hooks';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

const hook = (id: string, extra: Partial<Hook> = {}): Hook => ({
  id,
  name: id,
  url: 'https://hooks.example.com/x',
  type: 'PRE_TRANSACTION',
  active: true,
  timeout: 30,
  retryCount: 3,
  blocking: true,
  failOpen: false,
  createdAt: at(0),
  lastRun: null,
  lastSuccess: false,
  ...extra,
});

/** blnk.hooks and its fake, held to the same rules. */
describe.each([...BACKENDS, 'memory' as const])('hook repository on %s', (kind) => {
  let db: TestDatabase | undefined;
  let ds: DataSource | undefined;
  let repo: HookPgRepository | MemoryHookRepository;

  beforeAll(async () => {
    if (kind === 'memory') {
      repo = new MemoryHookRepository();
      return;
    }
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    repo = new HookPgRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('round-trips a hook and refuses its id twice', async () => {
    await repo.insert(hook('hook_a'));
    expect(await repo.findById('hook_a')).toEqual(hook('hook_a'));
    await expect(repo.insert(hook('hook_a'))).rejects.toMatchObject({ code: 'GEN_CONFLICT' });
  });

  it('lists by type, oldest first, and only active ones for the caller', async () => {
    await repo.insert(
      hook('hook_b', { type: 'POST_TRANSACTION', blocking: false, createdAt: at(2) }),
    );
    await repo.insert(hook('hook_c', { active: false, createdAt: at(3) }));
    expect((await repo.list()).map((h) => h.id)).toEqual(['hook_a', 'hook_b', 'hook_c']);
    expect((await repo.list('POST_TRANSACTION')).map((h) => h.id)).toEqual(['hook_b']);
    expect((await repo.listActive()).map((h) => h.id)).toEqual(['hook_a', 'hook_b']);
  });

  it('records a run without undoing an edit, never backwards, never for a deleted hook', async () => {
    await repo.recordRun('hook_a', at(10), true);
    await repo.replace('hook_a', { ...hook('hook_a'), name: 'edited' });
    await repo.recordRun('hook_a', at(5), false);
    expect(await repo.findById('hook_a')).toMatchObject({
      name: 'edited',
      lastRun: at(10),
      lastSuccess: true,
      createdAt: at(0),
    });
    expect(await repo.delete('hook_c')).toBe(true);
    await repo.recordRun('hook_c', at(20), true);
    expect(await repo.findById('hook_c')).toBeNull();
    expect(await repo.delete('hook_c')).toBe(false);
    expect(await repo.replace('hook_c', hook('hook_c'))).toBeNull();
  });

  if (kind !== 'memory') {
    it('the table itself refuses a blocking POST_TRANSACTION hook', async () => {
      await expect(
        repo.insert(hook('hook_bad', { type: 'POST_TRANSACTION', blocking: true })),
      ).rejects.toThrow(/check constraint/);
      await expect(
        repo.insert(hook('hook_bad', { blocking: false, failOpen: true })),
      ).rejects.toThrow(/check constraint/);
    });
  }
});
