import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { ApiKey, generateSecret, hashSecret, keyState, lookupPrefix } from '../domain/api-key';
import {
  apiKeyNotFound,
  crossOwnerAccess,
  expiredApiKey,
  invalidApiKeyRequest,
  ownerRequired,
  scopeEscalation,
} from '../domain/auth.errors';
import type { Caller } from '../domain/caller';
import { formatScope, notCovered, parseScope, Scope } from '../domain/scope';
import { Authenticator } from './authenticator';
import { ApiKeyRepository } from './ports/api-key.repository';

export interface CreateApiKeyCommand {
  name: string;
  owner?: string;
  scopes: string[];
  expiresAt: Date;
}

export interface RevokedApiKeys {
  /** The key named in the call. */
  key: ApiKey;
  /** With `cascade`: every key it created, transitively, that this call revoked. */
  descendants: ApiKey[];
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The plaintext key: returned this once, never stored. */
  secret: string;
}

/**
 * Managing API keys. The master key manages every owner's keys; a scoped key only its own
 * owner's, and never hands out more than it holds (scopes or lifetime): Blnk PR #298.
 */
@Injectable()
export class ApiKeyUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly keys: ApiKeyRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly authenticator: Authenticator,
  ) {}

  async create(caller: Caller, cmd: CreateApiKeyCommand): Promise<CreatedApiKey> {
    const owner = this.ownerFor(caller, cmd.owner, true);
    const name = cmd.name.trim();
    if (!name) throw invalidApiKeyRequest('name is required');
    const scopes = parseScopes(cmd.scopes);
    const now = this.clock.now();
    if (Number.isNaN(cmd.expiresAt.getTime()) || cmd.expiresAt <= now) {
      throw invalidApiKeyRequest('expires_at must be in the future');
    }
    if (!caller.isMaster) {
      const missing = notCovered(caller.scopes, scopes);
      if (missing.length) {
        throw scopeEscalation(
          `cannot grant scopes the calling key does not hold: ${missing.map(formatScope).join(', ')}`,
        );
      }
      if (caller.expiresAt && cmd.expiresAt > caller.expiresAt) {
        throw scopeEscalation('cannot create a key that outlives the calling key');
      }
    }
    const secret = generateSecret();
    const apiKey: ApiKey = {
      apiKeyId: this.ids.next('api_key'),
      name,
      ownerId: owner,
      scopes: scopes.map(formatScope),
      keyPrefix: lookupPrefix(secret),
      keyHash: hashSecret(secret),
      expiresAt: cmd.expiresAt,
      createdAt: now,
      lastUsedAt: null,
      isRevoked: false,
      revokedAt: null,
      createdBy: caller.keyId,
    };
    await this.uow.run(async (tx) => {
      // A scoped key is checked again under a share lock, not only through the authentication
      // cache: a key revoked a moment ago on another process must not mint a key that outlives
      // its revocation, and a cascade running now waits for this insert and then revokes it too.
      if (!caller.isMaster) {
        const creator = await this.keys.findForShare(tx, caller.keyId);
        if (!creator || keyState(creator, now) !== 'usable') throw expiredApiKey();
      }
      await this.keys.insert(tx, apiKey);
    });
    return { apiKey, secret };
  }

  async list(caller: Caller, owner?: string): Promise<ApiKey[]> {
    return this.keys.listByOwner(this.ownerFor(caller, owner, true));
  }

  /**
   * Revokes a key and, with `cascade`, every key it created, transitively (after a leak: what
   * the leaked key minted goes with it). One transaction; each key stops working in this process
   * at once and in every other within a second. Descendants share the key's owner, since a key
   * can only create keys of its own owner.
   */
  async revoke(
    caller: Caller,
    id: string,
    owner?: string,
    options: { cascade?: boolean } = {},
  ): Promise<RevokedApiKeys> {
    const expectedOwner = this.ownerFor(caller, owner, false);
    const revoked = await this.uow.run(async (tx) => {
      const key = await this.keys.findById(tx, id);
      if (!key) throw apiKeyNotFound();
      if (expectedOwner !== undefined && key.ownerId !== expectedOwner) {
        // A scoped key learns nothing about other owners' ids; the master key asked for one owner.
        if (caller.isMaster) throw apiKeyNotFound();
        throw crossOwnerAccess();
      }
      const at = this.clock.now();
      const root = (await this.keys.revoke(tx, id, at))!;
      const descendants: ApiKey[] = [];
      // Repeated until nothing is left: a key that was creating a key when the walk started
      // held its row, so the walk waited for that insert and the next pass sees the new key.
      for (let more = options.cascade; more;) {
        const batch = await this.keys.revokeDescendants(tx, id, at);
        descendants.push(...batch);
        more = batch.length > 0;
      }
      return { key: root, descendants };
    });
    for (const k of [revoked.key, ...revoked.descendants]) this.authenticator.forget(k.keyHash);
    return revoked;
  }

  /**
   * The owner a call acts for. A scoped key acts for its own owner (naming another is refused);
   * the master key must name one where `required`.
   */
  private ownerFor(caller: Caller, owner: string | undefined, required: true): string;
  private ownerFor(
    caller: Caller,
    owner: string | undefined,
    required: boolean,
  ): string | undefined;
  private ownerFor(caller: Caller, owner: string | undefined, required: boolean) {
    const named = owner?.trim() || undefined;
    if (caller.isMaster) {
      if (!named && required) throw ownerRequired();
      return named;
    }
    if (named !== undefined && named !== caller.owner) throw crossOwnerAccess();
    return caller.owner;
  }
}

function parseScopes(texts: string[]): Scope[] {
  if (!texts.length) throw invalidApiKeyRequest('at least one scope must be specified');
  return texts.map((t) => {
    const s = parseScope(t);
    if (!s) {
      throw invalidApiKeyRequest(
        `invalid scope "${t}": expected resource:action (e.g. ledgers:read, transactions:*, *:read)`,
      );
    }
    return s;
  });
}
