/** One runner for unit, integration and e2e suites; the database they use is chosen by
 * BLNK_DATA_SOURCE_DNS (real PostgreSQL) or defaults to embedded PGlite. */
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

module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/src',
    '<rootDir>/libs',
    '<rootDir>/test',
    '<rootDir>/migrations',
    '<rootDir>/bench',
  ],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@libs/(.*)$': '<rootDir>/libs/$1',
    // @fastify/static (for the /docs page) requires content-disposition 3, which is ESM only: Node
    // 20 loads it, Jest's loader cannot. Version 2 (a dev dependency under an alias) has the same
    // `create` export in CommonJS.
    '^content-disposition$': '<rootDir>/node_modules/content-disposition-cjs',
  },
  testTimeout: 120000,
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
};
