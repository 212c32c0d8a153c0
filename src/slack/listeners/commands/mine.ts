import { pageByRequester } from '../../../persistence/charge-requests.js';
import { mineBlocks } from '../../blocks/lists.js';
import { threadPermalinks } from '../../permalinks.js';
import type { Subcommand } from './subcommand.js';

/** Rows fetched for the list; the answer still gives the true count and says how many it leaves out. */
const MINE_ROWS = 25;

export const mine: Subcommand = {
  name: 'mine',
  usage: '/charges mine',
  what: 'Your own charge requests, newest first, with where each one stands.',
  audience: 'everyone',
  async run(deps, run) {
    const page = await pageByRequester(deps.useCases.db, run.userId, MINE_ROWS);
    return run.reply(mineBlocks(page, await threadPermalinks(run.client, page.requests), deps.admin.timezone));
  },
};
