import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { SystemClock } from '@libs/core/clock';
import { parseRfc3339 } from '@libs/core/rfc3339';
import { RandomIdGenerator } from '@libs/core/ids';
import { migrateUp } from '@libs/persistence/migrate';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { ApiKeyUseCases } from '../../modules/auth/application/api-key.use-cases';
import { Authenticator } from '../../modules/auth/application/authenticator';
import { AuthSettings } from '../../modules/auth/auth-settings';
import type { Caller } from '../../modules/auth/domain/caller';
import { MASTER_CALLER } from '../../modules/auth/domain/caller';
import { ApiKeyPgRepository } from '../../modules/auth/infrastructure/postgres/api-key.pg-repository';
import { presentApiKey } from '../../modules/auth/interface/http/api-key.presenter';
import { openDatabase } from '../server';
import { CommonOptions, configFrom } from './config-options';

/** An operator at the console acts with the master key's rights; keys record `cli` as creator. */
const OPERATOR: Caller = { ...MASTER_CALLER, keyId: 'cli', owner: 'cli' };

async function withApiKeys<T>(
  options: CommonOptions,
  work: (keys: ApiKeyUseCases) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(configFrom(options));
  try {
    await migrateUp(db.dataSource);
    const ds = db.dataSource;
    const repo = new ApiKeyPgRepository(ds);
    const clock = new SystemClock();
    const keys = new ApiKeyUseCases(
      new TypeOrmUnitOfWork(ds),
      repo,
      new RandomIdGenerator(),
      clock,
      // Other processes notice a revocation through their short cache; nothing to forget here.
      new Authenticator(new AuthSettings(true, ''), repo, clock),
    );
    return await work(keys);
  } finally {
    await db.close();
  }
}

const UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000 };

/** `--expires-at <RFC 3339>` or `--expires-in <n>d|<n>h`. */
function expiryFrom(o: ApiKeyOptions): Date {
  if (o.expiresAt) {
    // Strict, as on POST /api-keys: 2027-02-30 is refused, not rolled over into March.
    const d = parseRfc3339(o.expiresAt);
    if (!d) {
      throw new Error(
        `invalid --expires-at ${o.expiresAt}: give an RFC 3339 time such as 2026-03-11T00:00:00Z`,
      );
    }
    return d;
  }
  const m = /^(\d+)([hd])$/.exec(o.expiresIn ?? '');
  if (!m) throw new Error('give --expires-at <RFC 3339 time> or --expires-in <days>d|<hours>h');
  return new Date(Date.now() + Number(m[1]) * UNITS[m[2]]);
}

interface ApiKeyOptions extends CommonOptions {
  name?: string;
  owner?: string;
  scopes?: string;
  expiresAt?: string;
  expiresIn?: string;
  json?: boolean;
  cascade?: boolean;
}

abstract class ApiKeyCommand extends CommandRunner {
  @Option({
    flags: '-d, --data-dir <dir>',
    description: 'Data directory of embedded mode (default ./.neraca)',
  })
  parseDataDir(v: string): string {
    return v;
  }

  @Option({ flags: '--json', description: 'Print JSON (the API response shape)' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '-o, --owner <owner>', description: 'Owner of the keys' })
  parseOwner(v: string): string {
    return v;
  }
}

@SubCommand({
  name: 'create',
  description: 'Create a scoped API key; the key is printed this once',
})
export class ApiKeysCreateCommand extends ApiKeyCommand {
  async run(_p: string[], o: ApiKeyOptions): Promise<void> {
    const { apiKey, secret } = await withApiKeys(o, (keys) =>
      keys.create(OPERATOR, {
        name: o.name ?? '',
        owner: o.owner,
        scopes: (o.scopes ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        expiresAt: expiryFrom(o),
      }),
    );
    if (o.json) {
      process.stdout.write(JSON.stringify(presentApiKey(apiKey, secret)) + '\n');
      return;
    }
    process.stdout.write(
      `Created ${apiKey.apiKeyId} for ${apiKey.ownerId} (${apiKey.scopes.join(', ')}), ` +
        `expires ${apiKey.expiresAt.toISOString()}.\nThe key is shown this once:\n\n    ${secret}\n\n`,
    );
  }

  @Option({ flags: '-n, --name <name>', description: 'What the key is for', required: true })
  parseName(v: string): string {
    return v;
  }

  @Option({
    flags: '-s, --scopes <scopes>',
    description: 'Comma-separated resource:action scopes, e.g. ledgers:read,transactions:*',
    required: true,
  })
  parseScopes(v: string): string {
    return v;
  }

  @Option({ flags: '--expires-at <time>', description: 'RFC 3339 expiry time' })
  parseExpiresAt(v: string): string {
    return v;
  }

  @Option({ flags: '--expires-in <span>', description: 'Expiry from now: 90d or 12h' })
  parseExpiresIn(v: string): string {
    return v;
  }
}

@SubCommand({ name: 'list', description: "List an owner's API keys, newest first" })
export class ApiKeysListCommand extends ApiKeyCommand {
  async run(_p: string[], o: ApiKeyOptions): Promise<void> {
    const list = await withApiKeys(o, (keys) => keys.list(OPERATOR, o.owner));
    if (o.json) {
      process.stdout.write(JSON.stringify(list.map((k) => presentApiKey(k))) + '\n');
      return;
    }
    if (!list.length) process.stdout.write(`no API keys for ${o.owner}\n`);
    for (const k of list) {
      const state = k.isRevoked ? 'revoked' : k.expiresAt <= new Date() ? 'expired' : 'active';
      const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never';
      process.stdout.write(
        `${k.apiKeyId}  ${state}  ${k.keyPrefix}…  ${k.name}  [${k.scopes.join(' ')}]  ` +
          `expires ${k.expiresAt.toISOString()}  last used ${used}  created by ${k.createdBy}\n`,
      );
    }
  }
}

@SubCommand({
  name: 'revoke',
  arguments: '<api_key_id>',
  description: 'Revoke an API key (every API process refuses it within a second)',
})
export class ApiKeysRevokeCommand extends ApiKeyCommand {
  async run([id]: string[], o: ApiKeyOptions): Promise<void> {
    const { key, descendants } = await withApiKeys(o, (keys) =>
      keys.revoke(OPERATOR, id, o.owner, { cascade: o.cascade === true }),
    );
    if (o.json) {
      process.stdout.write(
        JSON.stringify([key, ...descendants].map((k) => presentApiKey(k))) + '\n',
      );
      return;
    }
    for (const k of [key, ...descendants]) {
      const via = k === key ? '' : `, created by ${k.createdBy}`;
      process.stdout.write(`revoked ${k.apiKeyId} (${k.name}, owner ${k.ownerId}${via})\n`);
    }
    if (o.cascade && !descendants.length) {
      process.stdout.write(`no other key was created by ${key.apiKeyId}\n`);
    }
  }

  @Option({
    flags: '--cascade',
    description: 'Also revoke every key it created, and the keys those created (after a leak)',
  })
  parseCascade(): boolean {
    return true;
  }
}

@Command({
  name: 'api-keys',
  arguments: '<create|list|revoke>',
  description: 'Manage scoped API keys from the console (acts with the master key rights)',
  subCommands: [ApiKeysCreateCommand, ApiKeysListCommand, ApiKeysRevokeCommand],
})
export class ApiKeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
