import { queueOverview } from '../../../use-cases/dead-letters.js';
import { operationsBlocks } from '../../blocks/operations.js';
import type { Subcommand } from './subcommand.js';

export const ops: Subcommand = {
  name: 'ops',
  usage: '/charges ops',
  what: 'Admins: queue health (waiting, oldest, dead) and each dead letter with Retry and Discard.',
  audience: 'admins',
  async run(deps, run) {
    const { snapshot, deadLetters } = await queueOverview(deps.useCases.db);
    return run.reply(operationsBlocks(snapshot, deadLetters, deps.useCases.clock.now()));
  },
};
