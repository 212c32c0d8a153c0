import { isValidSlackRequest } from '@slack/bolt';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { refuse } from '../errors.js';
import type { Logger } from '../logger.js';
import { MAX_BODY_BYTES } from './body-limit.js';
import { sendRefusal } from './server.js';

const id = z.string().min(1);
const user = z.looseObject({ id });

/** The events Countersign listens to, with the fields its listeners read; other event types pass as they are. */
const EVENTS: Record<string, z.ZodType> = {
  app_mention: z.looseObject({ channel: id, ts: id, text: z.string() }),
  message: z.looseObject({ channel: id, ts: id }),
  app_home_opened: z.looseObject({ user: id }),
};

/** Interactions, with the fields Bolt and our listeners read; other types need only a type. */
const INTERACTIONS: Record<string, z.ZodType> = {
  block_actions: z.looseObject({
    user,
    actions: z.array(z.looseObject({ action_id: id, type: id })).min(1),
  }),
  view_submission: z.looseObject({
    user,
    view: z.looseObject({
      callback_id: z.string(),
      state: z.looseObject({ values: z.record(z.string(), z.unknown()) }),
    }),
  }),
  view_closed: z.looseObject({ user, view: z.looseObject({ callback_id: z.string() }) }),
};

const envelope = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string() }),
  z.looseObject({ type: z.literal('app_rate_limited') }),
  z.looseObject({ type: z.literal('event_callback'), event: z.looseObject({ type: id }) }),
]);

const command = z.looseObject({
  command: id,
  text: z.string(),
  user_id: id,
  channel_id: id,
  team_id: id,
  response_url: z.string(),
  trigger_id: z.string(),
});

/** Why a signed body is not something Slack sends (an event, an interaction, a command), or undefined. */
export function slackBodyProblem(body: string, contentType: string | undefined): string | undefined {
  // Parsed as Bolt parses it (form only for exactly this content type), so both agree on what it is.
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(body);
    if (form.has('ssl_check')) return undefined;
    const payload = form.get('payload');
    if (payload !== null) {
      let interaction: unknown;
      try {
        interaction = JSON.parse(payload);
      } catch {
        return 'payload is not JSON';
      }
      const typed = z.looseObject({ type: id }).safeParse(interaction);
      if (!typed.success) return 'payload has no type';
      return problemOf(INTERACTIONS[typed.data.type], interaction, `${typed.data.type} payload`);
    }
    if (form.has('command')) return problemOf(command, Object.fromEntries(form), 'slash command');
    return 'neither a payload nor a slash command';
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  const parsed = envelope.safeParse(value);
  if (!parsed.success) return `not an Events API request (${summary(parsed.error)})`;
  if (parsed.data.type !== 'event_callback') return undefined;
  const event = parsed.data.event as { type: string };
  return problemOf(EVENTS[event.type], event, `${event.type} event`);
}

function problemOf(schema: z.ZodType | undefined, value: unknown, what: string): string | undefined {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : `${what}: ${summary(parsed.error)}`;
}

const summary = (error: z.ZodError) =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(body)'} ${issue.message.toLowerCase()}`)
    .join('; ');

/**
 * In front of Bolt's receiver on POST /slack/events: reads the raw body once (over the limit: 413),
 * hands it to Bolt as `rawBody` (Bolt verifies the signature on exactly these bytes and answers 401
 * when it fails), and answers 400 when a correctly signed body is not a well-formed event, interaction
 * or command, which Bolt would otherwise answer with a 500 or a 404 after three seconds.
 */
export function slackRequestGuard(signingSecret: string, logger: Logger): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit: MAX_BODY_BYTES }),
    (req, res, next) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // Bolt reads `rawBody` when present (as on hosts that pre-read the body) instead of the stream.
      Object.assign(req, { rawBody: raw });
      const body = raw.toString('utf8');
      const signed = isValidSlackRequest({
        signingSecret,
        body,
        headers: {
          'x-slack-signature': req.header('x-slack-signature') ?? '',
          'x-slack-request-timestamp': Number(req.header('x-slack-request-timestamp')),
        },
      });
      const problem = signed ? slackBodyProblem(body, req.header('content-type')) : undefined;
      if (problem) {
        logger.warn({ problem }, 'signed Slack request is not a well-formed event, interaction or command; refused');
        sendRefusal(
          res,
          refuse('invalid_payload', `The request is signed but is not what Slack sends: ${problem}.`),
          400,
        );
        return;
      }
      next();
    },
  ];
}
