/**
 * @module The links of one side of a pair, streamed in id order beside an id-ordered listing of that side: a
 * merge join that finds each record's link and every link whose record is gone (deleted), holding one page of
 * each stream at a time.
 */
import type { LightLinkRow as LightLink } from '../store/repositories/links.js';
import type { Side } from './definition.js';

export type FetchLinks = (after: string | null, limit: number) => Promise<LightLink[]>;

export class LinkStream {
  private buffer: LightLink[] = [];
  private position = 0;
  private after: string | null = null;
  private exhausted = false;

  constructor(
    private readonly side: Side,
    private readonly fetch: FetchLinks,
    private readonly pageSize = 2000,
  ) {}

  private idOf(link: LightLink): string {
    return (this.side === 'a' ? link.aId : link.bId)!;
  }

  /**
   * Links with ids up to and including `max` (null: all remaining), in order. Once the table is exhausted it is
   * not read again, so links this run creates behind the position are never mistaken for old ones.
   */
  async takeUpTo(max: string | null): Promise<LightLink[]> {
    const out: LightLink[] = [];
    for (;;) {
      while (this.position < this.buffer.length) {
        const link = this.buffer[this.position]!;
        if (max !== null && this.idOf(link) > max) return out;
        out.push(link);
        this.position++;
      }
      if (this.exhausted) return out;
      this.buffer = await this.fetch(this.after, this.pageSize);
      this.position = 0;
      if (this.buffer.length < this.pageSize) this.exhausted = true;
      if (this.buffer.length > 0) this.after = this.idOf(this.buffer[this.buffer.length - 1]!);
    }
  }
}
