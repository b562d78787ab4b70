/** One runner, three projects: `unit` (no I/O), `integration` (adapters against a real
 * database), `e2e` (real HTTP servers). The database they use is chosen by BLNK_DATA_SOURCE_DNS
 * (real PostgreSQL) or defaults to embedded PGlite; `npm test -- --selectProjects unit` (or
 * `npm run test:unit`) runs one of them. */
const { readdirSync, readFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@libs/(.*)$': '<rootDir>/libs/$1',
    // @fastify/static (for the /docs page) requires content-disposition 3, which is ESM only: Node
    // 20 loads it, Jest's loader cannot. Version 2 (a dev dependency under an alias) has the same
    // `create` export in CommonJS.
    '^content-disposition$': '<rootDir>/node_modules/content-disposition-cjs',
  },
  setupFiles: ['reflect-metadata'],
};

/** Folders whose specs sit beside the code; most are unit tests. */
const CODE_ROOTS = ['src', 'libs', 'migrations', 'bench'];

/**
 * Specs beside the code that open a database (they import the test database or server helpers)
 * are integration tests wherever they live, so `unit` stays free of I/O without a list to keep.
 */
function specsNeedingDatabase() {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (
        e.name.endsWith('.spec.ts') &&
        /test\/support\/(database|app)['"]/.test(readFileSync(path, 'utf8'))
      )
        found.push(relative(__dirname, path));
    }
  };
  for (const root of CODE_ROOTS) walk(join(__dirname, root));
  return found;
}
const withDatabase = specsNeedingDatabase();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: CODE_ROOTS.map((r) => `<rootDir>/${r}`),
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...withDatabase.map((p) => `/${escape(p)}$`)],
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration', ...CODE_ROOTS.map((r) => `<rootDir>/${r}`)],
      testMatch: [
        '<rootDir>/test/integration/**/*.spec.ts',
        ...withDatabase.map((p) => `<rootDir>/${p}`),
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.spec.ts'],
      // The CLI tests run the compiled `neraca` command: compile once before the suites start.
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
  ],
};
