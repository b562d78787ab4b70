import { pgSessionConfig, SEARCH_PATH_OPTION } from './schema';

describe('pgSessionConfig', () => {
  it('sends the search_path as a startup option', () => {
    const dsn = 'postgres://neraca:pw@db:5432/ledger?sslmode=disable';
    expect(pgSessionConfig(dsn)).toEqual({
      connectionString: dsn,
      options: '-c search_path=blnk,public',
    });
  });

  it("keeps the DSN's own options, which node-postgres would otherwise let replace ours", () => {
    const cfg = pgSessionConfig(
      'postgres://db/ledger?options=-c%20statement_timeout%3D5000&sslmode=disable',
    );
    expect(cfg.options).toBe(`-c statement_timeout=5000 ${SEARCH_PATH_OPTION}`);
    expect(new URL(cfg.connectionString).searchParams.get('options')).toBeNull();
    expect(new URL(cfg.connectionString).searchParams.get('sslmode')).toBe('disable');
  });

  it('passes a DSN that is not a URL through unchanged', () => {
    expect(pgSessionConfig('/var/run/postgresql ledger')).toEqual({
      connectionString: '/var/run/postgresql ledger',
      options: SEARCH_PATH_OPTION,
    });
  });
});
