import type { App } from '@slack/bolt';
import type { GenericMessageEvent } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { runAgentTurn } from '../../../agent/run-agent.js';
import { isConversationThread } from '../../../persistence/conversations.js';
import { escapeText } from '../../blocks/escape.js';
import type { SlackDeps } from '../../deps.js';
import { publishHome } from '../../home.js';
import { SOMETHING_WENT_WRONG } from '../../refusals.js';
import { typedText } from '../../typed-text.js';

interface IncomingMessage {
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string;
  readonly messageTs: string;
  readonly userId: string;
  readonly text: string;
}

const WORKING_REACTION = 'eyes';
const THINKING_STATUS = 'is thinking…';

/**
 * Mentions start a conversation; replies in its thread and direct messages continue it without a
 * mention. A mention in a thread arrives both as `app_mention` and as `message`: both paths lead to
 * runAgentTurn, which processes one Slack message once.
 */
export function registerEvents(app: App, deps: SlackDeps): void {
  app.event('app_mention', async ({ event, context, client }) => {
    if (event.bot_id || !event.user) return;
    await converse(client, deps, {
      teamId: context.teamId ?? event.team ?? '',
      channelId: event.channel,
      threadTs: event.thread_ts ?? event.ts,
      messageTs: event.ts,
      userId: event.user,
      text: messageText(event.text, context.botUserId),
    });
  });

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishHome(client, deps.useCases, event.user);
  });

  app.message(async ({ message, context, client }) => {
    const m = message as GenericMessageEvent;
    if (m.subtype !== undefined || m.bot_id || !m.user) return;
    const teamId = context.teamId ?? m.team ?? '';
    const direct = m.channel_type === 'im';
    if (!direct) {
      if (!m.thread_ts) return;
      const known = await isConversationThread(deps.useCases.db, {
        teamId,
        channelId: m.channel,
        threadTs: m.thread_ts,
      });
      if (!known) return;
    }
    await converse(client, deps, {
      teamId,
      channelId: m.channel,
      threadTs: m.thread_ts ?? m.ts,
      messageTs: m.ts,
      userId: m.user,
      text: messageText(m.text ?? '', context.botUserId),
    });
  });
}

/** What the person wrote, for the agent and the conversation record: without the bot's mention, un-escaped. */
function messageText(text: string, botUserId: string | undefined): string {
  return typedText(botUserId ? text.replaceAll(`<@${botUserId}>`, '') : text).trim();
}

/**
 * Shows that the bot is working while the model thinks: Slack's "is thinking…" status in the thread
 * (assistant.threads.setStatus, allowed with chat:write), or the :eyes: reaction on the message where
 * Slack refuses the status. Returns how to take the marker away; failures are cosmetic.
 *
 * @see https://docs.slack.dev/reference/methods/assistant.threads.setStatus
 */
async function showWorking(client: WebClient, message: IncomingMessage): Promise<() => Promise<unknown>> {
  const thread = { channel_id: message.channelId, thread_ts: message.threadTs };
  const status = await client.assistant.threads.setStatus({ ...thread, status: THINKING_STATUS }).then(
    () => true,
    () => false,
  );
  // Slack clears the status when the bot replies in the thread; clearing it again covers a failed reply.
  if (status) return () => client.assistant.threads.setStatus({ ...thread, status: '' });
  const target = { channel: message.channelId, timestamp: message.messageTs, name: WORKING_REACTION };
  const reacted = await client.reactions.add(target).then(
    () => true,
    () => false,
  );
  return reacted ? () => client.reactions.remove(target) : () => Promise.resolve();
}

async function converse(client: WebClient, deps: SlackDeps, message: IncomingMessage): Promise<void> {
  let stopWorking: (() => Promise<unknown>) | undefined;
  try {
    const result = await runAgentTurn(deps.agent, message, {
      onAccepted: async () => {
        stopWorking = await showWorking(client, message);
      },
    });
    if (result.kind === 'duplicate') return;
    await client.chat.postMessage({
      channel: message.channelId,
      thread_ts: message.threadTs,
      text: escapeText(result.text),
    });
  } catch (error) {
    deps.logger.error({ err: error, channel: message.channelId }, 'conversation turn failed');
    await client.chat
      .postMessage({
        channel: message.channelId,
        thread_ts: message.threadTs,
        text: SOMETHING_WENT_WRONG,
      })
      .catch(() => undefined);
  } finally {
    await stopWorking?.().catch(() => undefined);
  }
}
