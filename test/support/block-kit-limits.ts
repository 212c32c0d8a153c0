import { isObject, type JsonObject, vendorJson } from './vendor.js';

/**
 * The Block Kit limits real Slack enforces, from test/fixtures/vendor/slack/block-kit-limits.json
 * (Slack's Block Kit reference as restated in @slack/types 3.2.0, plus the undocumented cumulative
 * cap from bolt-js #2509 and #2867). Lengths are measured on the strings exactly as sent: entities
 * such as `&amp;` count in full, as the limits file advises.
 *
 * Problems are worded and located as Slack words them, e.g.
 * `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 *
 * @see https://docs.slack.dev/reference/block-kit/blocks
 * @see https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 * @see https://github.com/slackapi/bolt-js/issues/2867
 */
interface Limits {
  message: { maxBlocks: number; textMaxChars: number; cumulativeBlockTextRejectedAtChars: number };
  modalOrHome: {
    maxBlocks: number;
    titleMaxChars: number;
    submitMaxChars: number;
    closeMaxChars: number;
    privateMetadataMaxChars: number;
    callbackIdMaxChars: number;
  };
  section: { textMaxChars: number; textMinChars: number; fieldsMaxItems: number; fieldMaxChars: number };
  header: { textMaxChars: number };
  markdownBlock: { textMaxChars: number };
  context: { maxElements: number };
  actions: { maxElements: number };
  ids: { blockIdMaxChars: number; actionIdMaxChars: number };
  button: { textMaxChars: number; valueMaxChars: number; urlMaxChars: number; accessibilityLabelMaxChars: number };
  confirm: { titleMaxChars: number; textMaxChars: number; confirmMaxChars: number; denyMaxChars: number };
  option: { textMaxChars: number; valueMaxChars: number; descriptionMaxChars: number };
  staticSelect: { maxOptions: number };
  plainTextInput: { maxLengthMax: number };
}

export const BLOCK_KIT_LIMITS = vendorJson<Limits>('slack/block-kit-limits.json');
const L = BLOCK_KIT_LIMITS;

/** A text object's own bounds when no block-specific limit applies (text object reference). */
const TEXT_OBJECT_MAX = 3000;

export interface BlockKitProblem {
  readonly pointer: string;
  readonly message: string;
}

export const formatProblem = (problem: BlockKitProblem): string =>
  `${problem.message} [json-pointer:${problem.pointer}]`;

class Checker {
  readonly problems: BlockKitProblem[] = [];

  private add(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  maxChars(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max) this.add(pointer, `must be less than ${max + 1} characters`);
  }

  maxItems(value: unknown, max: number, pointer: string): void {
    if (Array.isArray(value) && value.length > max) this.add(pointer, `no more than ${max} items allowed`);
  }

  /** A composition text object: `plain_text` (or `mrkdwn` where allowed), 1 to `max` characters. */
  text(value: unknown, pointer: string, max = TEXT_OBJECT_MAX, plainOnly = false): void {
    const types = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (!isObject(value) || typeof value.text !== 'string' || !types.includes(String(value.type))) {
      this.add(pointer, 'failed to match all allowed schemas');
      return;
    }
    if (value.text.length < 1) this.add(`${pointer}/text`, 'must be more than 0 characters');
    this.maxChars(value.text, max, `${pointer}/text`);
  }

  blocks(blocks: unknown, max: number, pointer: string): void {
    if (!Array.isArray(blocks)) {
      this.add(pointer, 'must be an array');
      return;
    }
    this.maxItems(blocks, max, pointer);
    blocks.forEach((block, i) => {
      this.block(block, `${pointer}/${i}`);
    });
  }

  private block(block: unknown, pointer: string): void {
    if (!isObject(block) || typeof block.type !== 'string') {
      this.add(pointer, 'failed to match all allowed schemas');
      return;
    }
    this.maxChars(block.block_id, L.ids.blockIdMaxChars, `${pointer}/block_id`);
    switch (block.type) {
      case 'section':
        if (block.text === undefined && block.fields === undefined) {
          this.add(pointer, 'must provide either text or fields');
        }
        if (block.text !== undefined) this.text(block.text, `${pointer}/text`, L.section.textMaxChars);
        if (block.fields !== undefined) {
          this.maxItems(block.fields, L.section.fieldsMaxItems, `${pointer}/fields`);
          (Array.isArray(block.fields) ? block.fields : []).forEach((field, i) => {
            this.text(field, `${pointer}/fields/${i}`, L.section.fieldMaxChars);
          });
        }
        if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`);
        return;
      case 'header':
        this.text(block.text, `${pointer}/text`, L.header.textMaxChars, true);
        return;
      case 'markdown':
        this.maxChars(block.text, L.markdownBlock.textMaxChars, `${pointer}/text`);
        return;
      case 'context':
        this.maxItems(block.elements, L.context.maxElements, `${pointer}/elements`);
        for (const [i, element] of (Array.isArray(block.elements) ? block.elements : []).entries()) {
          if (isObject(element) && element.type !== 'image') this.text(element, `${pointer}/elements/${i}`);
        }
        return;
      case 'actions':
        this.maxItems(block.elements, L.actions.maxElements, `${pointer}/elements`);
        for (const [i, element] of (Array.isArray(block.elements) ? block.elements : []).entries()) {
          this.element(element, `${pointer}/elements/${i}`);
        }
        return;
      case 'input':
        this.text(block.label, `${pointer}/label`, 2000, true);
        this.element(block.element, `${pointer}/element`);
        return;
      default:
    }
  }

  private element(element: unknown, pointer: string): void {
    if (!isObject(element) || typeof element.type !== 'string') {
      this.add(pointer, 'failed to match all allowed schemas');
      return;
    }
    this.maxChars(element.action_id, L.ids.actionIdMaxChars, `${pointer}/action_id`);
    if (element.confirm !== undefined) this.confirm(element.confirm, `${pointer}/confirm`);
    switch (element.type) {
      case 'button':
        this.text(element.text, `${pointer}/text`, L.button.textMaxChars, true);
        this.maxChars(element.value, L.button.valueMaxChars, `${pointer}/value`);
        this.maxChars(element.url, L.button.urlMaxChars, `${pointer}/url`);
        this.maxChars(
          element.accessibility_label,
          L.button.accessibilityLabelMaxChars,
          `${pointer}/accessibility_label`,
        );
        return;
      case 'static_select':
      case 'multi_static_select':
        this.maxItems(element.options, L.staticSelect.maxOptions, `${pointer}/options`);
        this.options(element.options, `${pointer}/options`);
        for (const [g, group] of (Array.isArray(element.option_groups) ? element.option_groups : []).entries()) {
          this.options(isObject(group) ? group.options : undefined, `${pointer}/option_groups/${g}/options`);
        }
        this.initialOptions(element, pointer);
        return;
      case 'overflow':
      case 'radio_buttons':
      case 'checkboxes':
        this.options(element.options, `${pointer}/options`);
        this.initialOptions(element, pointer);
        return;
      case 'plain_text_input':
        if (typeof element.max_length === 'number' && element.max_length > L.plainTextInput.maxLengthMax) {
          this.add(`${pointer}/max_length`, `must be less than ${L.plainTextInput.maxLengthMax + 1}`);
        }
        return;
      default:
    }
  }

  private initialOptions(element: JsonObject, pointer: string): void {
    if (element.initial_option !== undefined) this.option(element.initial_option, `${pointer}/initial_option`);
    this.options(element.initial_options, `${pointer}/initial_options`);
  }

  private options(options: unknown, pointer: string): void {
    for (const [i, option] of (Array.isArray(options) ? options : []).entries()) this.option(option, `${pointer}/${i}`);
  }

  private option(option: unknown, pointer: string): void {
    if (!isObject(option)) {
      this.add(pointer, 'failed to match all allowed schemas');
      return;
    }
    this.text(option.text, `${pointer}/text`, L.option.textMaxChars);
    this.maxChars(option.value, L.option.valueMaxChars, `${pointer}/value`);
    if (option.description !== undefined) {
      this.text(option.description, `${pointer}/description`, L.option.descriptionMaxChars);
    }
  }

  private confirm(confirm: unknown, pointer: string): void {
    if (!isObject(confirm)) {
      this.add(pointer, 'failed to match all allowed schemas');
      return;
    }
    this.text(confirm.title, `${pointer}/title`, L.confirm.titleMaxChars, true);
    this.text(confirm.text, `${pointer}/text`, L.confirm.textMaxChars);
    this.text(confirm.confirm, `${pointer}/confirm`, L.confirm.confirmMaxChars, true);
    this.text(confirm.deny, `${pointer}/deny`, L.confirm.denyMaxChars, true);
  }
}

/** Problems of a message's blocks (chat.postMessage, chat.update, chat.postEphemeral, response_url). */
export function messageBlockProblems(blocks: unknown): BlockKitProblem[] {
  const checker = new Checker();
  checker.blocks(blocks, L.message.maxBlocks, '/blocks');
  return checker.problems;
}

/** Problems of a modal or Home tab view (views.open, views.push, views.update, views.publish). */
export function viewProblems(view: unknown, expectedType?: 'modal' | 'home'): BlockKitProblem[] {
  const checker = new Checker();
  const problems = checker.problems;
  if (!isObject(view) || (view.type !== 'modal' && view.type !== 'home')) {
    problems.push({ pointer: '/view', message: 'failed to match all allowed schemas' });
    return problems;
  }
  if (expectedType && view.type !== expectedType) {
    problems.push({ pointer: '/view/type', message: `must be ${expectedType}` });
  }
  if (view.type === 'modal') {
    checker.text(view.title, '/view/title', L.modalOrHome.titleMaxChars, true);
    if (view.submit !== undefined) checker.text(view.submit, '/view/submit', L.modalOrHome.submitMaxChars, true);
    if (view.close !== undefined) checker.text(view.close, '/view/close', L.modalOrHome.closeMaxChars, true);
  }
  checker.maxChars(view.private_metadata, L.modalOrHome.privateMetadataMaxChars, '/view/private_metadata');
  checker.maxChars(view.callback_id, L.modalOrHome.callbackIdMaxChars, '/view/callback_id');
  checker.blocks(view.blocks, L.modalOrHome.maxBlocks, '/view/blocks');
  return problems;
}

/** Every `text` string anywhere in the blocks, summed: how bolt-js #2867 measured the undocumented cap. */
export function cumulativeBlockText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + cumulativeBlockText(item), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, item] of Object.entries(value)) {
    sum += key === 'text' && typeof item === 'string' ? item.length : cumulativeBlockText(item);
  }
  return sum;
}

export type MessageVerdict =
  | { ok: true; text: string | undefined; blocks: unknown[] | undefined; warnings: string[] }
  | {
      ok: false;
      error: 'no_text' | 'invalid_blocks' | 'invalid_blocks_format' | 'msg_blocks_too_long';
      errors: string[];
    };

/**
 * What Slack does with a message body: refuse it (posting nothing) or accept it, truncating a `text`
 * above 40,000 characters with a `message_truncated` warning.
 *
 * @see https://docs.slack.dev/reference/methods/chat.postMessage#errors
 * @see https://api.slack.com/changelog/2018-04-truncating-really-long-messages
 */
export function checkMessage(body: { text?: unknown; blocks?: unknown; attachments?: unknown }): MessageVerdict {
  let blocks = body.blocks;
  if (typeof blocks === 'string') {
    try {
      blocks = JSON.parse(blocks) as unknown;
    } catch {
      return { ok: false, error: 'invalid_blocks_format', errors: ['blocks is not valid JSON'] };
    }
  }
  if (blocks !== undefined && !Array.isArray(blocks)) {
    return { ok: false, error: 'invalid_blocks_format', errors: ['must be an array [json-pointer:/blocks]'] };
  }
  const text = typeof body.text === 'string' ? body.text : undefined;
  const hasAttachments = Array.isArray(body.attachments) ? body.attachments.length > 0 : Boolean(body.attachments);
  if (!text && !blocks?.length && !hasAttachments) return { ok: false, error: 'no_text', errors: [] };
  if (blocks) {
    const problems = messageBlockProblems(blocks);
    if (problems.length) return { ok: false, error: 'invalid_blocks', errors: problems.map(formatProblem) };
    const total = cumulativeBlockText(blocks);
    if (total >= L.message.cumulativeBlockTextRejectedAtChars) {
      return { ok: false, error: 'msg_blocks_too_long', errors: [] };
    }
  }
  const truncated = text !== undefined && text.length > L.message.textMaxChars;
  return {
    ok: true,
    text: truncated ? text.slice(0, L.message.textMaxChars) : text,
    blocks: blocks as unknown[] | undefined,
    warnings: truncated ? ['message_truncated'] : [],
  };
}
