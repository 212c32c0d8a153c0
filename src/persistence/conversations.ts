import type { Queryable } from '../db/sql.js';

export interface ThreadKey {
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string;
}

export interface ConversationMessage {
  readonly role: 'user' | 'assistant';
  readonly userId: string | null;
  readonly text: string;
}

/**
 * Records a message once. Returns false when this Slack message was already recorded: the same
 * message delivered as both `app_mention` and `message`, or redelivered by Slack's retries.
 */
export async function recordMessageOnce(
  db: Queryable,
  thread: ThreadKey,
  messageTs: string,
  message: ConversationMessage,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO conversation_messages (team_id, channel_id, thread_ts, message_ts, role, user_id, text)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (team_id, channel_id, message_ts) DO NOTHING
     RETURNING id`,
    [thread.teamId, thread.channelId, thread.threadTs, messageTs, message.role, message.userId, message.text],
  );
  return rows.length === 1;
}

/** Whether the bot takes part in this thread (so replies continue without a mention). */
export async function isConversationThread(db: Queryable, thread: ThreadKey): Promise<boolean> {
  const rows = await db.query(
    'SELECT 1 FROM conversation_messages WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3 LIMIT 1',
    [thread.teamId, thread.channelId, thread.threadTs],
  );
  return rows.length > 0;
}

/**
 * The most recent messages of a thread, oldest first, within a budget of roughly `maxTokens`
 * (estimated at four characters per token, which errs on the generous side for English).
 */
export async function threadHistory(
  db: Queryable,
  thread: ThreadKey,
  maxTokens: number,
): Promise<ConversationMessage[]> {
  const rows = await db.query<{ role: ConversationMessage['role']; user_id: string | null; text: string }>(
    `SELECT role, user_id, text FROM conversation_messages
     WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3 ORDER BY id DESC LIMIT 200`,
    [thread.teamId, thread.channelId, thread.threadTs],
  );
  const kept: ConversationMessage[] = [];
  let budget = maxTokens * 4;
  for (const row of rows) {
    budget -= row.text.length;
    if (budget < 0 && kept.length > 0) break;
    kept.push({ role: row.role, userId: row.user_id, text: row.text });
  }
  return kept.reverse();
}

/**
 * What one person wrote in a thread, oldest first (their latest `limit` messages): the requester's
 * own words, without the bot's replies.
 */
export async function messagesBy(db: Queryable, thread: ThreadKey, userId: string, limit = 50): Promise<string[]> {
  const rows = await db.query<{ text: string }>(
    `SELECT text FROM (
       SELECT id, text FROM conversation_messages
       WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3 AND role = 'user' AND user_id = $4
       ORDER BY id DESC LIMIT $5) latest
     ORDER BY id`,
    [thread.teamId, thread.channelId, thread.threadTs, userId, limit],
  );
  return rows.map((r) => r.text);
}
