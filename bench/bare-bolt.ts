import { App, ExpressReceiver, LogLevel } from '@slack/bolt';

/** The baseline: a Bolt app in HTTP mode that verifies the signature and acknowledges, nothing else. */
const receiver = new ExpressReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  logLevel: LogLevel.ERROR,
});
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.action(/.*/, async ({ ack }) => {
  await ack();
});
await app.start(Number(process.env.PORT));
console.log('bare bolt listening');
