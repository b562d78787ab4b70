import { DynamicModule, Global, Module } from '@nestjs/common';
import { ErrorNotifier, NoopErrorNotifier } from './application/ports/error-notifier';
import { SlackSettings } from './application/slack-settings';
import { SlackErrorNotifier } from './infrastructure/slack/slack-error-notifier';

/**
 * The error notifier, for every module and the background work of API and worker processes
 * (global, like the kernel's Clock): Slack when a webhook URL is configured, nothing otherwise.
 */
@Global()
@Module({})
export class NotificationModule {
  static with(settings: SlackSettings = new SlackSettings()): DynamicModule {
    const notifier = settings.webhookUrl
      ? { provide: ErrorNotifier, useFactory: () => new SlackErrorNotifier(settings) }
      : { provide: ErrorNotifier, useClass: NoopErrorNotifier };
    return { module: NotificationModule, providers: [notifier], exports: [ErrorNotifier] };
  }
}
