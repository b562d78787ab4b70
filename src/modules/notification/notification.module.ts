import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OperatorNotifier } from './application/operator-notifier';
import { ErrorNotifier, NoopErrorNotifier } from './application/ports/error-notifier';
import { NoticeChannel } from './application/ports/notice-channel';
import { SlackSettings } from './application/slack-settings';
import { SystemErrorEvents } from './infrastructure/postgres/system-error-events';
import { SlackChannel } from './infrastructure/slack/slack-channel';

/**
 * The error notifier, for every module and the background work of API and worker processes
 * (global, like the kernel's Clock): Slack when a webhook URL is configured, `system.error`
 * events when webhooks are (`systemErrorEvents`), nothing otherwise. One throttle covers both.
 */
@Global()
@Module({})
export class NotificationModule {
  static with(
    settings: SlackSettings = new SlackSettings(),
    opts: { systemErrorEvents?: boolean } = {},
  ): DynamicModule {
    const notifier =
      settings.webhookUrl || opts.systemErrorEvents
        ? {
            provide: ErrorNotifier,
            inject: [DataSource],
            useFactory: (db: DataSource) => {
              const channels: NoticeChannel[] = [];
              if (settings.webhookUrl) channels.push(new SlackChannel(settings));
              if (opts.systemErrorEvents) channels.push(new SystemErrorEvents(db));
              return new OperatorNotifier(channels, settings.rateLimitWindowMs);
            },
          }
        : { provide: ErrorNotifier, useClass: NoopErrorNotifier };
    return { module: NotificationModule, providers: [notifier], exports: [ErrorNotifier] };
  }
}
