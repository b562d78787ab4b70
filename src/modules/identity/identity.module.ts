import { DynamicModule, Global, Module } from '@nestjs/common';
import { IdentityUseCases } from './application/identity.use-cases';
import { DetokenizationAudit } from './application/ports/detokenization-audit';
import { IdentityRepository } from './application/ports/identity.repository';
import { TokenKeyProvider } from './application/ports/token-keys';
import { Tokenizer } from './application/tokenizer';
import { TokenizationUseCases } from './application/tokenization.use-cases';
import { StaticTokenKeys } from './infrastructure/keys/static-token-keys';
import { DetokenizationAuditPg } from './infrastructure/postgres/detokenization-audit.pg';
import { IdentityPgRepository } from './infrastructure/postgres/identity.pg-repository';
import { IdentityController } from './interface/http/identity.controller';
import { TokenizationController } from './interface/http/tokenization.controller';

/**
 * The tokenization keys of this process, chosen at start-up (configuration, or the data
 * directory in embedded mode). Global so IdentityModule stays a plain module other modules import.
 */
@Global()
@Module({})
export class TokenizationKeysModule {
  static with(keys: TokenKeyProvider | undefined): DynamicModule {
    return {
      module: TokenizationKeysModule,
      providers: [{ provide: TokenKeyProvider, useValue: keys ?? new StaticTokenKeys([]) }],
      exports: [TokenKeyProvider],
    };
  }
}

@Module({
  controllers: [IdentityController, TokenizationController],
  providers: [
    IdentityUseCases,
    TokenizationUseCases,
    Tokenizer,
    { provide: IdentityRepository, useClass: IdentityPgRepository },
    { provide: DetokenizationAudit, useClass: DetokenizationAuditPg },
  ],
  exports: [IdentityUseCases],
})
export class IdentityModule {}
