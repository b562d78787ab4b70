import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Notice } from '../../application/ports/notice-channel';
import { NoticeChannel } from '../../application/ports/notice-channel';
import { messageOf } from '../../application/operator-notifier';
import { systemErrorEvent } from '../../domain/system-error';

/**
 * Notices as `system.error` webhook events (reference §7.1): a row of the outbox, which the relay
 * delivers like every other event (signed, retried, listed in /webhook-deliveries). Written on its
 * own, outside any request's transaction: an error is not rolled back with the work that met it.
 */
export class SystemErrorEvents extends NoticeChannel {
  private readonly logger = new Logger('Notices');

  constructor(private readonly db: DataSource) {
    super();
  }

  async send(notice: Notice): Promise<void> {
    if (!notice.asEvent) return;
    try {
      await this.db.query(
        `INSERT INTO event_outbox (event, entity, entity_id, snapshot)
         VALUES ('system.error', 'raw', 'system', $1::jsonb)`,
        [JSON.stringify(systemErrorEvent(notice.text, notice.at))],
      );
    } catch (e) {
      // The database may be what failed: the error was logged by whoever met it.
      this.logger.warn(`system.error event not written: ${messageOf(e)}`);
    }
  }
}
