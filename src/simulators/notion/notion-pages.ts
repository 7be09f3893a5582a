/**
 * @module Page writes shared by the HTTP routes (author: the integration's bot) and the platform-side controls
 * a test uses to play a person editing in Notion (author: a person). Each write emits its webhook event.
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimClock } from '../kit/sim-clock.js';
import { notionError, validationError } from './notion-errors.js';
import { truncateToMinute, type NotionDatabase, type NotionPage, type NotionValue } from './notion-state.js';
import type { NotionWebhooks } from './notion-webhooks.js';

export interface Author {
  id: string;
  type: 'person' | 'bot';
}

export class NotionPages {
  constructor(
    private readonly db: NotionDatabase,
    private readonly clock: SimClock,
    private readonly webhooks: NotionWebhooks,
  ) {}

  get(id: string): NotionPage {
    const page = this.db.pages.get(id);
    if (!page)
      throw new SimHttpError(
        notionError(
          404,
          'object_not_found',
          `Could not find page with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
        ),
      );
    return page;
  }

  create(props: Record<string, NotionValue>, author: Author): NotionPage {
    const now = truncateToMinute(this.clock.now());
    const page: NotionPage = {
      id: this.db.nextUuid(),
      createdMs: now,
      lastEditedMs: now,
      archived: false,
      props,
      createdBy: author.id,
      lastEditedBy: author.id,
    };
    this.db.pages.insert(page);
    this.webhooks.emit('page.created', page.id, author);
    return page;
  }

  update(
    id: string,
    change: { props?: Record<string, NotionValue>; archived?: boolean },
    author: Author,
  ): NotionPage {
    const page = this.get(id);
    if (page.archived && change.props && change.archived !== false)
      throw new SimHttpError(
        validationError("Can't edit block that is archived. You must unarchive the block before editing."),
      );
    const props = { ...page.props, ...(change.props ?? {}) };
    const changed = Object.keys(change.props ?? {}).filter((k) => page.props[k] !== props[k]);
    const next: NotionPage = {
      ...page,
      props,
      archived: change.archived ?? page.archived,
      lastEditedMs: truncateToMinute(this.clock.now()),
      lastEditedBy: author.id,
    };
    this.db.pages.replace(id, next);
    if (change.archived === true && !page.archived) this.webhooks.emit('page.deleted', id, author);
    else if (change.archived === false && page.archived) this.webhooks.emit('page.undeleted', id, author);
    if (changed.length)
      this.webhooks.emit(
        'page.properties_updated',
        id,
        author,
        changed.map((name) => this.db.properties.find((p) => p.name === name)!.id),
      );
    return next;
  }
}
