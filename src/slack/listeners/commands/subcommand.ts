import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../../deps.js';

/** One `/charges` invocation, as every subcommand sees it. */
export interface Invocation {
  readonly teamId: string;
  readonly channelId: string;
  readonly userId: string;
  /** Countersign's own Slack user (from auth.test), when known. */
  readonly botUserId: string | undefined;
  /** Everything after the subcommand word. */
  readonly args: string;
  readonly client: WebClient;
  /** An ephemeral answer to whoever ran the command. */
  readonly reply: (message: string | { text: string; blocks?: unknown[] }) => Promise<unknown>;
}

/** A `/charges` subcommand: its entry in help and what it does. One file per subcommand. */
export interface Subcommand {
  readonly name: string;
  readonly usage: string;
  readonly what: string;
  /** `admins`: ADMIN_USER_IDS only, refused politely before anything runs. */
  readonly audience: 'everyone' | 'admins';
  run(deps: SlackDeps, invocation: Invocation): Promise<unknown>;
}
