import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { ApiKey, generateSecret, hashSecret, lookupPrefix } from '../domain/api-key';
import {
  apiKeyNotFound,
  crossOwnerAccess,
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
    await this.uow.run((tx) => this.keys.insert(tx, apiKey));
    return { apiKey, secret };
  }

  async list(caller: Caller, owner?: string): Promise<ApiKey[]> {
    return this.keys.listByOwner(this.ownerFor(caller, owner, true));
  }

  /** Revokes a key; it stops working in this process at once and in every other within a second. */
  async revoke(caller: Caller, id: string, owner?: string): Promise<ApiKey> {
    const expectedOwner = this.ownerFor(caller, owner, false);
    const revoked = await this.uow.run(async (tx) => {
      const key = await this.keys.findById(tx, id);
      if (!key) throw apiKeyNotFound();
      if (expectedOwner !== undefined && key.ownerId !== expectedOwner) {
        // A scoped key learns nothing about other owners' ids; the master key asked for one owner.
        if (caller.isMaster) throw apiKeyNotFound();
        throw crossOwnerAccess();
      }
      return (await this.keys.revoke(tx, id, this.clock.now()))!;
    });
    this.authenticator.forget(revoked.keyHash);
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
