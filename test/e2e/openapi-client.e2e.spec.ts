import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, TestApp } from '../support/app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

/**
 * A client generated from the running app's /openapi.json (openapi-typescript + openapi-fetch),
 * as a team that generates its SDK would: the program in test/fixtures/openapi-client must
 * type-check under `tsc --strict` against the generated types, then run against the app (ledger,
 * balances, funding above 2^53, transfer, hold + commit, refund, filter with include_count, a
 * 409 read through the typed error envelope).
 */
describe('a client generated from the OpenAPI document', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'neraca-client-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates, type-checks with tsc --strict, and works against the app', async () => {
    const doc = await (await fetch(`${t.url}/openapi.json`)).text();
    writeFileSync(join(dir, 'openapi.json'), doc);
    await run(bin('openapi-typescript'), [
      join(dir, 'openapi.json'),
      '-o',
      join(dir, 'schema.d.ts'),
    ]);
    copyFileSync(join(ROOT, 'test/fixtures/openapi-client/program.ts'), join(dir, 'program.ts'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          lib: ['ES2022', 'DOM'],
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          types: ['node'],
          outDir: 'out',
        },
        files: ['program.ts', 'schema.d.ts'],
      }),
    );
    // A type error here means the document cannot type a basic client program.
    await run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')]).catch((e: { stdout?: string }) => {
      throw new Error(`the generated client does not type-check:\n${e.stdout ?? String(e)}`);
    });
    const { stdout } = await run(process.execPath, [join(dir, 'out/program.js'), t.url, t.key]);
    expect(JSON.parse(stdout)).toEqual({
      funded: '90071992547409930',
      transfer: 'APPLIED',
      hold: 'INFLIGHT',
      commit: 'APPLIED',
      refund: 'APPLIED',
      filtered: 3,
      balance: String(90071992547409930n - 1250n - 500n + 1250n),
      duplicate: { status: 409, code: 'TXN_DUPLICATE_REFERENCE' },
    });
  }, 120_000);
});
