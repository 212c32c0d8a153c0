import type { WebClient } from '@slack/web-api';
import type { ChargeRequest } from '../domain/charge-request.js';

/** Links to each request's thread, for lists; a request whose message Slack cannot find is listed unlinked. */
export async function threadPermalinks(
  client: WebClient,
  requests: readonly ChargeRequest[],
): Promise<Map<string, string>> {
  const permalinks = new Map<string, string>();
  await Promise.all(
    requests.map(async (r) => {
      const ts = r.threadTs ?? r.cardTs;
      if (!ts) return;
      const link = await client.chat.getPermalink({ channel: r.channelId, message_ts: ts }).catch(() => undefined);
      if (link?.permalink) permalinks.set(r.id, link.permalink);
    }),
  );
  return permalinks;
}
