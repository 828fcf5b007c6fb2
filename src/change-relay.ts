// The change feed between instances (issue #18): every server on one PostgreSQL database
// LISTENs on `foncier_changes`, where sql/015's triggers announce, at each commit, the boxes of
// the sites and plots a statement wrote (or a reset after a bulk write). A notification from
// another process reaches this process's ChangeFeed, so its tile cache drops exactly those
// tiles, as it does for its own writes. Its own notifications (its pool's application_name) are
// skipped: the in-process feed has already told its caches, with the exact geometries.
// The embedded database is one process: there the in-process feed is all there is.
import pg from 'pg';
import type { BBox } from 'geojson';
import type { ChangeFeed } from './changes.js';
import type { Logger } from './logger.js';

export const changeChannel = 'foncier_changes';

type Notification = { from: string; reset: string } | { from: string; entity: 'site' | 'plot'; boxes: BBox[] };

/** A payload of sql/015, or undefined for anything else on the channel. */
export function parseNotification(payload: string | undefined): Notification | undefined {
  try {
    const value = JSON.parse(payload ?? '');
    if (typeof value?.from !== 'string') return undefined;
    if (typeof value.reset === 'string') return { from: value.from, reset: value.reset };
    const boxes = value.boxes;
    if (
      (value.entity === 'site' || value.entity === 'plot') &&
      Array.isArray(boxes) &&
      boxes.every((b: unknown) => Array.isArray(b) && b.length === 4 && b.every(Number.isFinite))
    )
      return { from: value.from, entity: value.entity, boxes };
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

export interface ChangeRelayOptions {
  connectionString: string;
  feed: ChangeFeed;
  /** This process's application_name (its pool's, src/db/open.ts): its own writes are skipped. */
  instance: string;
  logger: Logger;
  /** Wait before listening again once the connection is lost (default 1 s). */
  retryMs?: number;
}

export interface ChangeRelay {
  close(): Promise<void>;
}

/** Listens until closed; a lost connection is opened again, and caches reset, since what was
 *  announced meanwhile is lost. Resolves once the first LISTEN is in place. */
export async function startChangeRelay(options: ChangeRelayOptions): Promise<ChangeRelay> {
  const { feed, instance, logger } = options;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const deliver = (message: pg.Notification) => {
    const notification = parseNotification(message.payload);
    if (!notification) return logger.warn('unreadable change notification', { payload: message.payload });
    if (notification.from === instance) return;
    if ('reset' in notification)
      feed.publish({ action: 'reset', reason: `${notification.from}: ${notification.reset}` });
    else feed.publish({ action: 'remote', ...notification });
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString, application_name: `${instance}/listen` });
    const lost = (error?: Error) => {
      if (closed || client !== next) return;
      client = undefined;
      logger.warn('change feed connection lost', { error: error?.message });
      next.end().catch(() => undefined);
      retry = setTimeout(() => void reconnect(), options.retryMs ?? 1000);
    };
    next.on('error', lost);
    next.on('end', () => lost());
    next.on('notification', deliver);
    try {
      await next.connect();
      await next.query(`LISTEN ${changeChannel}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
  };
  const reconnect = async () => {
    try {
      await connect();
      feed.reset('change feed listening again: writes meanwhile were not heard');
    } catch (error) {
      logger.warn('change feed not listening', { error: (error as Error).message });
      if (!closed) retry = setTimeout(() => void reconnect(), options.retryMs ?? 1000);
    }
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end();
    },
  };
}
