import { parsePeriod, periodDays } from '../../../domain/periods.js';
import { exportRequests } from '../../../use-cases/export-requests.js';
import { refusalText } from '../../refusals.js';
import type { Subcommand } from './subcommand.js';

export const exportCsv: Subcommand = {
  name: 'export',
  usage: '/charges export [period]',
  what: 'Admins: every request of the period as a CSV file, sent to your DM.',
  audience: 'admins',
  async run(deps, run) {
    const period = parsePeriod(run.args.split(/\s+/)[0] || undefined, deps.admin.timezone, deps.useCases.clock.now());
    if (!period.ok) return run.reply(refusalText(period));
    await run.reply(`:hourglass_flowing_sand: Preparing the CSV for ${period.period.label}…`);
    const { csv, count, truncated } = await exportRequests(deps.useCases.db, period.period);
    const dm = await run.client.conversations.open({ users: run.userId });
    const channel = dm.channel?.id;
    if (!channel) return run.reply('I could not open a direct message with you to send the file.');
    // Named by the period's first and last day where it was cut (REPORT_TIMEZONE), not by UTC dates.
    const days = periodDays(period.period, deps.admin.timezone);
    const filename = `countersign-${days.first}-to-${days.last}.csv`;
    await run.client.filesUploadV2({
      channel_id: channel,
      filename,
      title: filename,
      content: csv,
      initial_comment: `${count} charge requests, ${period.period.label}.${truncated ? ' The period holds more: narrow it to get the rest.' : ''}`,
    });
    return run.reply(`:white_check_mark: Sent ${filename} (${count} rows) to your direct messages with me.`);
  },
};
