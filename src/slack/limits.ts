/**
 * Slack's limits, in one place. Real Slack refuses a payload that breaks any of them
 * (`invalid_blocks`, `msg_blocks_too_long`, `invalid_arguments` for views) and posts nothing, so
 * every builder measures text as sent: escaped first, then fitted (see escape.ts).
 *
 * @see https://docs.slack.dev/reference/block-kit/blocks
 * @see https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
 * @see https://docs.slack.dev/reference/views
 * @see https://github.com/slackapi/bolt-js/issues/2509 (cumulative block text: msg_blocks_too_long)
 */
export const SLACK_LIMITS = {
  message: {
    maxBlocks: 50,
    textMaxChars: 40_000,
    /** Undocumented: Slack refuses messages whose block texts add up to about 11,341 characters. */
    cumulativeBlockTextMaxChars: 9_000,
  },
  view: { maxBlocks: 100, titleMaxChars: 24, submitMaxChars: 24, closeMaxChars: 24, privateMetadataMaxChars: 3_000 },
  section: { textMaxChars: 3_000, fieldsMaxItems: 10, fieldMaxChars: 2_000 },
  header: { textMaxChars: 150 },
  context: { maxElements: 10 },
  actions: { maxElements: 25 },
  button: { textMaxChars: 75, valueMaxChars: 2_000, urlMaxChars: 3_000 },
  confirm: { titleMaxChars: 100, textMaxChars: 300, confirmMaxChars: 30, denyMaxChars: 30 },
  option: { textMaxChars: 75, valueMaxChars: 75 },
  staticSelect: { maxOptions: 100 },
  /** A modal's field error (response_action: errors) is shown beside the input; Slack cuts long ones. */
  fieldErrorMaxChars: 150,
} as const;
