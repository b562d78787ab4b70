import { Injectable } from '@nestjs/common';
import { ChainBreak, checkLink, ChainHead, GENESIS_HASH, StoredLink } from '../../domain/chain';
import { ChainRepository } from '../ports/chain.repository';

export interface VerifyProgress {
  checked: bigint;
  total: bigint;
}

export interface VerifyReport {
  /** Links checked. */
  checked: bigint;
  /** The last link as replayed. */
  head: ChainHead;
  /** The first broken link, if any. */
  firstBreak: ChainBreak | null;
  /** Broken links in all. */
  breaks: number;
  /** Problems of the chain as a whole (its stored head, rows missing from it). */
  chainProblems: string[];
  /** Rows still waiting to be sealed (not a fault). */
  backlog: number;
}

/**
 * `neraca verify`: replays the chain from genesis a page at a time (keyset on seq, never the
 * whole table in memory), checking each link against the one before and each row's current
 * fields against what was sealed; then the stored head, and that every transaction row is sealed
 * or waiting to be.
 */
@Injectable()
export class VerifyChainUseCase {
  constructor(private readonly chain: ChainRepository) {}

  /** The break of `link` again, with its field digests read, so the changed fields are named. */
  private async named(prev: ChainHead, link: StoredLink): Promise<ChainBreak | null> {
    const [full] = await this.chain.links(link.seq - 1n, 1, true);
    return checkLink(prev, full ?? link);
  }

  async verify(
    opts: { pageSize?: number; onProgress?: (p: VerifyProgress) => void } = {},
  ): Promise<VerifyReport> {
    const pageSize = opts.pageSize ?? 10_000;
    const stored = await this.chain.head();
    let head: ChainHead = { seq: 0n, hash: GENESIS_HASH };
    let firstBreak: ChainBreak | null = null;
    let breaks = 0;
    let checked = 0n;
    // The next page is read while this one is checked.
    let next = this.chain.links(0n, pageSize);
    for (;;) {
      const page = await next;
      if (page.length === pageSize) next = this.chain.links(page[page.length - 1].seq, pageSize);
      for (const link of page) {
        const broken = checkLink(head, link);
        if (broken) {
          breaks += 1;
          firstBreak ??= await this.named(head, link);
        }
        // Go on from the link as stored, so one changed row is one break, not all after it.
        head = { seq: link.seq, hash: link.chainHash };
        checked += 1n;
      }
      opts.onProgress?.({ checked, total: stored.seq > checked ? stored.seq : checked });
      if (page.length < pageSize) break;
    }
    const chainProblems: string[] = [];
    if (head.seq !== stored.seq || head.hash !== stored.hash) {
      chainProblems.push(
        `the stored head (seq ${stored.seq}, ${stored.hash}) is not the last link (seq ${head.seq}, ${head.hash})`,
      );
    }
    const lost = await this.chain.unaccounted();
    if (lost.count) {
      chainProblems.push(
        `${lost.count} transaction row(s) are neither sealed nor waiting to be (first: ${lost.first})`,
      );
    }
    return {
      checked,
      head,
      firstBreak,
      breaks,
      chainProblems,
      backlog: await this.chain.backlog(),
    };
  }
}
