import { NoticeThrottle, noticeKind } from './notice-throttle';
import { redactCredentials, slackErrorMessage } from './slack-message';

describe('NoticeThrottle', () => {
  it('lets one notice of a kind through per window, and counts the ones held back', () => {
    const t = new NoticeThrottle(60_000);
    expect(t.admit('a', 0)).toEqual({ send: true, suppressed: 0 });
    expect(t.admit('a', 1_000).send).toBe(false);
    expect(t.admit('a', 59_999).send).toBe(false);
    expect(t.admit('b', 59_999)).toEqual({ send: true, suppressed: 0 });
    expect(t.admit('a', 60_000)).toEqual({ send: true, suppressed: 2 });
    expect(t.admit('a', 60_001)).toEqual({ send: false, suppressed: 0 });
  });

  it('caps notices of all kinds together, so an outage of distinct errors does not flood', () => {
    const t = new NoticeThrottle(60_000, 3);
    const sent = Array.from({ length: 10 }, (_, i) => t.admit(`e${i}`, i).send);
    expect(sent).toEqual([true, true, true, false, false, false, false, false, false, false]);
    // A kind held back by the cap is reported with its count once the window has passed.
    expect(t.admit('e5', 60_010)).toEqual({ send: true, suppressed: 1 });
  });

  it('is off with a window of 0', () => {
    const t = new NoticeThrottle(0);
    expect([1, 2, 3].map(() => t.admit('a', 0).send)).toEqual([true, true, true]);
  });

  it('remembers a bounded number of kinds', () => {
    const t = new NoticeThrottle(60_000, Infinity);
    for (let i = 0; i < 5000; i++) t.admit(`kind ${i}`, 0);
    expect((t as unknown as { kinds: Map<string, unknown> }).kinds.size).toBeLessThanOrEqual(1000);
  });
});

describe('noticeKind', () => {
  it('masks ids and numbers, so one failure on many lanes or rows is one kind', () => {
    expect(noticeKind('drain of lane 3: txn_4f0c9e2a-1111-4222-8333-444455556666 failed')).toBe(
      noticeKind('drain of lane 17: txn_0b0c9e2a-aaaa-4222-8333-444455556666 failed'),
    );
    expect(noticeKind('sweep failed: timeout')).not.toBe(noticeKind('sweep failed: refused'));
  });
});

describe('slackErrorMessage', () => {
  it("has Blnk's shape: the title, the error, the time", () => {
    const m = slackErrorMessage('boom <b> & co', new Date('2026-12-01T10:00:00Z')) as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    };
    expect(m.text).toBe('Error From Neraca 🐞');
    expect(m.blocks.map((b) => b.type)).toEqual(['section', 'divider', 'section']);
    expect(m.blocks[0].text!.text).toContain('Error From Neraca');
    expect(m.blocks[2].fields!.map((f) => f.text)).toEqual([
      '*Error:*\nboom &lt;b&gt; &amp; co',
      '*Time:*\n2026-12-01T10:00:00.000Z',
    ]);
  });

  it('says how many were held back, cuts long errors and hides credentials', () => {
    const m = JSON.stringify(
      slackErrorMessage(
        `connect postgres://neraca:s3cret@db:5432/x ${'x'.repeat(5000)}`,
        new Date(0),
        4,
      ),
    );
    expect(m).toContain('4 more like this');
    expect(m).not.toContain('s3cret');
    expect(m.length).toBeLessThan(2600);
    expect(redactCredentials('redis://:pw@h:6379/0 and https://u:p@x/y')).toBe(
      'redis://:***@h:6379/0 and https://u:***@x/y',
    );
  });
});
