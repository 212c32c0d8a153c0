import { parseReference } from '../../../domain/charge-request.js';
import { listAudit } from '../../../persistence/audit.js';
import { findChargeRequestByNumber } from '../../../persistence/charge-requests.js';
import { auditBlocks } from '../../blocks/admin.js';
import { escapeText } from '../../blocks/escape.js';
import type { Subcommand } from './subcommand.js';

export const audit: Subcommand = {
  name: 'audit',
  usage: '/charges audit <reference>',
  what: 'Admins: the full audit trail of one request, e.g. `/charges audit CR-1042`.',
  audience: 'admins',
  async run(deps, run) {
    const { db } = deps.useCases;
    const number = parseReference(run.args);
    const request = number === undefined ? undefined : await findChargeRequestByNumber(db, number);
    if (!request) {
      return run.reply(`No request ${escapeText(run.args || '(none given)', 30)}. Usage: \`/charges audit CR-1042\``);
    }
    return run.reply(auditBlocks(request, await listAudit(db, request.id)));
  },
};
