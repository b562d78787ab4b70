import { Module } from '@nestjs/common';
import {
  ApiKeysCommand,
  ApiKeysCreateCommand,
  ApiKeysListCommand,
  ApiKeysRevokeCommand,
} from './api-keys.command';
import { KeysCommand, RotateTokenizationCommand } from './keys.command';
import { MigrateCommand, MigrateDownCommand, MigrateUpCommand } from './migrate.command';
import { OpenApiCommand } from './openapi.command';
import { WebhooksCommand, WebhooksListCommand, WebhooksRedeliverCommand } from './webhooks.command';
import { StartCommand } from './start.command';
import { WorkersCommand } from './workers.command';
import { VerifyCommand } from './verify.command';
import { SearchCommand, SearchReindexCommand } from './search.command';
import {
  ReconcileCommand,
  ReconcileStartCommand,
  ReconcileUploadCommand,
} from './reconcile.command';
import { BackupCommand, RestoreCommand } from './backup.command';

@Module({
  providers: [
    StartCommand,
    WorkersCommand,
    MigrateCommand,
    MigrateUpCommand,
    MigrateDownCommand,
    KeysCommand,
    RotateTokenizationCommand,
    ApiKeysCommand,
    ApiKeysCreateCommand,
    ApiKeysListCommand,
    ApiKeysRevokeCommand,
    OpenApiCommand,
    WebhooksCommand,
    WebhooksListCommand,
    WebhooksRedeliverCommand,
    VerifyCommand,
    SearchCommand,
    SearchReindexCommand,
    ReconcileCommand,
    ReconcileUploadCommand,
    ReconcileStartCommand,
    BackupCommand,
    RestoreCommand,
  ],
})
export class CliModule {}
