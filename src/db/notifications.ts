import pg from 'pg';
import type { Logger } from '../logger.js';

export interface Listener {
  close(): Promise<void>;
}

/**
 * LISTENs on `channels` over a connection of its own and calls `onNotify(channel, payload)` for
 * each notification. If the connection drops it reconnects with backoff and calls `onNotify` for
 * every channel (with an empty payload) once it is back (notifications sent meanwhile are lost; the
 * workers' polling and sweeps are the safety net either way).
 */
export function listenForNotifications(
  url: string,
  channels: readonly string[],
  onNotify: (channel: string, payload: string) => void,
  logger: Logger,
): Listener {
  const log = logger.child({ component: 'listen' });
  let client: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async () => {
    const next = new pg.Client({ connectionString: url, application_name: 'countersign-listen' });
    next.on('notification', (message) => onNotify(message.channel, message.payload ?? ''));
    next.on('error', (error) => {
      log.warn({ err: error }, 'notification connection lost; reconnecting');
      scheduleReconnect(next);
    });
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      if (failures > 0) for (const channel of channels) onNotify(channel, '');
      failures = 0;
    } catch (error) {
      log.warn({ err: error }, 'could not listen for notifications; workers poll meanwhile');
      scheduleReconnect(next);
    }
  };

  const scheduleReconnect = (broken: pg.Client) => {
    if (closed || retryTimer) return;
    if (client === broken) client = undefined;
    broken.end().catch(() => undefined);
    failures += 1;
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        void connect();
      },
      Math.min(30_000, 250 * 2 ** failures),
    );
  };

  const ready = connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await ready;
      await client?.end().catch(() => undefined);
    },
  };
}
