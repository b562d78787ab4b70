/** Architecture rules (DESIGN.md §4): domain code is plain TypeScript, layers point inwards,
 * modules do not reach into each other's adapters, and there are no import cycles. */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-framework-free',
      comment:
        'domain/ imports nothing from NestJS, TypeORM, validators, Swagger, config or Node I/O.',
      severity: 'error',
      from: { path: '/domain/' },
      to: {
        path: [
          '@nestjs',
          'typeorm',
          'class-validator',
          'class-transformer',
          'pg',
          'ioredis',
          'bullmq',
          'fastify',
          '/infrastructure/',
          '/interface/',
          '/application/',
          'libs/persistence',
          'libs/http',
        ],
      },
    },
    {
      name: 'application-has-no-adapters',
      comment: 'Use cases depend on ports, never on adapters or controllers.',
      severity: 'error',
      from: { path: '/application/' },
      to: { path: ['/infrastructure/', '/interface/', 'typeorm', 'pg', 'fastify', 'libs/http'] },
    },
    {
      name: 'no-foreign-adapters',
      comment: "A module never imports another module's infrastructure (ORM rows, SQL).",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/infrastructure/', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'no-foreign-internals',
      comment:
        "A module uses another module's exported use cases and services, and its ports, never " +
        'the rest of its domain/ or application/. The one published model: the balance ' +
        'arithmetic (domain/balance.ts) that the transaction engine posts with.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/([^/]+)/(domain|application)/',
        pathNot: [
          '^src/modules/$1/',
          '\\.use-cases?\\.ts$',
          '\\.service\\.ts$',
          '/application/ports/',
          '^src/modules/balance/domain/balance\\.ts$',
          // The queue's ports and settings, which the system module's readiness reads.
          '^src/modules/transaction/application/queued/(ports/work-queue|queue-settings)\\.ts$',
        ],
      },
    },
    {
      name: 'pipeline-calls-the-queued-engine-through-its-port',
      comment:
        'The submission pipeline hands accepted work to the queued engine through its port ' +
        '(queued/queued-engine.ts) and knows nothing of lanes, work items or wake-up signals.',
      severity: 'error',
      from: {
        path: '^src/modules/transaction/application/',
        pathNot: '^src/modules/transaction/application/queued/',
      },
      to: {
        path: '^src/modules/transaction/application/queued/',
        pathNot: '^src/modules/transaction/application/queued/queued-engine\\.ts$',
      },
    },
    {
      name: 'queued-engine-does-not-know-the-pipeline',
      comment:
        'The queued engine settles holds through its HoldSettler port, which the pipeline ' +
        'implements; it never imports the pipeline.',
      severity: 'error',
      from: { path: '^src/modules/transaction/application/queued/' },
      to: {
        path: '^src/modules/transaction/application/(pipeline/|submissions\\.ts)',
      },
    },
    {
      name: 'libs-do-not-know-modules',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
