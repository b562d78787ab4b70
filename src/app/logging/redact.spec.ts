import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it.each([
    [
      'connect to postgres://neraca:s3cr3t@db:5432/ledger?sslmode=disable failed',
      'connect to postgres://neraca:***@db:5432/ledger?sslmode=disable failed',
    ],
    ['redis://:hunter2@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['rediss://default:p%40ss@cache:6380', 'rediss://default:***@cache:6380'],
    ['host=db user=neraca password=s3cr3t dbname=x', 'host=db user=neraca password=*** dbname=x'],
    [
      'GET https://hooks.example/x?token=abc&id=1 failed',
      'GET https://hooks.example/x?token=***&id=1 failed',
    ],
    [
      'post to https://hooks.slack.com/services/T000/B000/XXXXSECRET refused',
      'post to https://hooks.slack.com/services/*** refused',
    ],
  ])('%s', (input, output) => {
    expect(redactSecrets(input)).toBe(output);
  });

  it('leaves text without secrets as it is', () => {
    for (const text of [
      'lane 3: group grp_1 rejected: insufficient funds',
      'postgres://postgres@127.0.0.1:5432/postgres',
      'a@b.example wrote',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});
