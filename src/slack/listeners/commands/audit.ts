import { parseReference } from '../../../domain/charge-request.js';
import { toCsv } from '../../../domain/csv.js';
import { listAudit } from '../../../persistence/audit.js';
import { findChargeRequestByNumber } from '../../../persistence/charge-requests.js';
import { auditBlocks } from '../../blocks/admin.js';
import { escapeText } from '../../blocks/escape.js';
import type { Subcommand } from './subcommand.js';

export const audit: Subcommand = {
  name: 'audit',
  usage: '/charges audit <reference> [csv]',
  what: 'Admins: the full audit trail of one request, e.g. `/charges audit CR-1042`; add `csv` to get every event as a file in your DM.',
  audience: 'admins',
  async run(deps, run) {
    const { db } = deps.useCases;
    const [reference = '', option] = run.args.split(/\s+/);
    const number = parseReference(reference);
    const request = number === undefined ? undefined : await findChargeRequestByNumber(db, number);
    if (!request) {
      return run.reply(`No request ${escapeText(run.args || '(none given)', 30)}. Usage: \`/charges audit CR-1042\``);
    }
    const events = await listAudit(db, request.id);
    if (option?.toLowerCase() !== 'csv') return run.reply(auditBlocks(request, events, deps.admin.timezone));

    const csv = toCsv([
      ['time', 'actor', 'action', 'from_status', 'to_status', 'version', 'details'],
      ...events.map((e) => [
        e.createdAt,
        e.actor,
        e.action,
        e.fromStatus,
        e.toStatus,
        e.version,
        JSON.stringify(e.details),
      ]),
    ]);
    const dm = await run.client.conversations.open({ users: run.userId });
    if (!dm.channel?.id) return run.reply('I could not open a direct message with you to send the file.');
    const filename = `countersign-audit-${request.reference}.csv`;
    await run.client.filesUploadV2({
      channel_id: dm.channel.id,
      filename,
      title: filename,
      content: csv,
      initial_comment: `The audit trail of ${request.reference}: ${events.length} events.`,
    });
    return run.reply(`:white_check_mark: Sent ${filename} (${events.length} events) to your direct messages with me.`);
  },
};
