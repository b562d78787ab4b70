import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `identity_token.random_visible`: whether the visible part of a field's token was drawn at
 * random (every token made from this release on) or is a keyed hash of the value (tokens made
 * before: equal values look equal across identities and fields). The old tokens keep opening,
 * since nothing recomputes a visible part; `neraca keys rotate-tokenization` finds the rows that
 * are still `false` and makes their tokens again. The token format itself does not change, so an
 * earlier release reads the new tokens too.
 */
export class RandomTokenVisible1733097600000 implements MigrationInterface {
  name = 'RandomTokenVisible1733097600000';

  async up(q: QueryRunner): Promise<void> {
    // Existing rows are keyed (false); no default afterwards, every insert says what it made.
    await q.query(
      `ALTER TABLE identity_token ADD COLUMN random_visible BOOLEAN NOT NULL DEFAULT false`,
    );
    await q.query(`ALTER TABLE identity_token ALTER COLUMN random_visible DROP DEFAULT`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity_token DROP COLUMN random_visible`);
  }
}
