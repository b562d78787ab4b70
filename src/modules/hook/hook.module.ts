import { Module } from '@nestjs/common';
import { AuthSettings } from '../auth/auth-settings';
import { ActiveHooks } from './application/active-hooks';
import { HookCallerService } from './application/hook-caller.service';
import { HookUseCases } from './application/hook.use-cases';
import { HookRepository } from './application/ports/hook.repository';
import { HookTimer, HookTransport } from './application/ports/hook-transport';
import { HookSettings, HookSigningKey } from './hook-settings';
import { FetchHookTransport, SystemHookTimer } from './infrastructure/http/fetch-hook-transport';
import { HookPgRepository } from './infrastructure/postgres/hook.pg-repository';
import { HookController } from './interface/http/hook.controller';

/**
 * Signed with the server secret key: a HookSigningKey when the process provides one (workers),
 * else the master key of AuthSettings. With authentication off, or with neither, the key is
 * empty, as Blnk's without `server.secret_key`: a key generated for a run with authentication off
 * is kept nowhere, so a receiver could not check it anyway.
 */
export const hookSettingsFrom = (auth?: AuthSettings, key?: HookSigningKey) =>
  new HookSettings(key ? key.secret : auth?.secure ? auth.masterKey : '');

/**
 * Hooks without HTTP: the caller the submission pipeline uses (`HookCallerService`), and the use
 * cases. One ActiveHooks per process, shared by both, so a change through the API invalidates
 * what the caller has cached.
 */
@Module({
  providers: [
    {
      provide: HookSettings,
      useFactory: hookSettingsFrom,
      inject: [
        { token: AuthSettings, optional: true },
        { token: HookSigningKey, optional: true },
      ],
    },
    { provide: HookRepository, useClass: HookPgRepository },
    { provide: HookTransport, useClass: FetchHookTransport },
    { provide: HookTimer, useClass: SystemHookTimer },
    ActiveHooks,
    HookUseCases,
    HookCallerService,
  ],
  exports: [HookCallerService, HookUseCases],
})
export class HookCoreModule {}

@Module({
  imports: [HookCoreModule],
  controllers: [HookController],
  exports: [HookCoreModule],
})
export class HookModule {}
