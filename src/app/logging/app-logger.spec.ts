import { ConfigError, loadConfig } from '../config/neraca-config';
import { createAppLogger } from './app-logger';
import { logSettingsFrom, resolveFormat } from './log-settings';

function capture(level: 'info' | 'trace' = 'trace') {
  const chunks: string[] = [];
  const logger = createAppLogger(
    { level, format: 'json' },
    { write: (s: string) => void chunks.push(s) },
  );
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, text, lines };
}

describe('the application logger', () => {
  it("writes Nest's messages as JSON with the context as component and the level by name", () => {
    const c = capture();
    c.logger.nest.warn('lane 3: signal failed', 'DrainLane');
    c.logger.nest.verbose!('detail', 'DrainLane');
    expect(c.lines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        component: 'DrainLane',
        msg: 'lane 3: signal failed',
      }),
      expect.objectContaining({ level: 'trace', component: 'DrainLane', msg: 'detail' }),
    ]);
    expect(typeof c.lines()[0].time).toBe('string');
  });

  it("keeps Nest's start-up chatter at debug, and the modules' messages at info", () => {
    const c = capture('info');
    c.logger.nest.log('Mapped {/ledgers, POST} route', 'RouterExplorer');
    c.logger.nest.log('AppModule dependencies initialized', 'InstanceLoader');
    c.logger.nest.log('balance snapshots taken: 3', 'BalanceSnapshots');
    expect(c.lines()).toEqual([expect.objectContaining({ msg: 'balance snapshots taken: 3' })]);
  });

  it('logs an error by allow-list: type, message, code and stack, not the query parameters', () => {
    const c = capture();
    const err = Object.assign(new Error('duplicate key value violates unique constraint "x"'), {
      name: 'QueryFailedError',
      code: '23505',
      query: 'INSERT INTO blnk.identity VALUES ($1, $2)',
      parameters: ['Zenobia', 'zq@hidden.example'],
      detail: 'Key (email_address)=(zq@hidden.example) already exists.',
    });
    c.logger.nest.error(err, 'Identities');
    const [line] = c.lines();
    expect(line.err).toEqual({
      type: 'QueryFailedError',
      message: err.message,
      code: '23505',
      stack: expect.stringContaining('\n    at '),
    });
    expect(c.text()).not.toMatch(/Zenobia|hidden\.example|INSERT/);
  });

  it('redacts a password in a URL or DSN wherever a message or an error quotes one', () => {
    const c = capture();
    c.logger.nest.error('cannot reach postgres://neraca:pw-123@db/ledger', 'Database');
    c.logger.nest.warn(new Error('redis://:pw-456@cache:6379 refused'), 'Redis');
    c.logger.root.info('posting to https://hooks.slack.com/services/T1/B2/pw-789');
    expect(c.text()).not.toMatch(/pw-\d/);
    expect(c.text()).toContain('postgres://neraca:***@db/ledger');
  });
});

describe('log settings', () => {
  const env = (e: Record<string, string>) => loadConfig({ cwd: __dirname, env: e });

  it('defaults to info; auto is pretty on a terminal and JSON anywhere else', () => {
    expect(logSettingsFrom(env({}), false)).toEqual({ level: 'info', format: 'json' });
    expect(logSettingsFrom(env({}), true)).toEqual({ level: 'info', format: 'pretty' });
    expect(resolveFormat('json', true)).toBe('json');
    expect(resolveFormat('pretty', false)).toBe('pretty');
    expect(
      logSettingsFrom(env({ NERACA_LOG_LEVEL: 'Debug', NERACA_LOG_FORMAT: 'json' }), true),
    ).toEqual({ level: 'debug', format: 'json' });
  });

  it('refuses a level or format it does not know, naming the key', () => {
    expect(() => logSettingsFrom(env({ NERACA_LOG_LEVEL: 'loud' }))).toThrow(ConfigError);
    expect(() => logSettingsFrom(env({ NERACA_LOG_LEVEL: 'loud' }))).toThrow(
      /log\.level \(NERACA_LOG_LEVEL\)/,
    );
    expect(() => logSettingsFrom(env({ NERACA_LOG_FORMAT: 'xml' }))).toThrow(/log\.format/);
  });
});
