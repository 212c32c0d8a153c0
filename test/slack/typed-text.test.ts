import { describe, expect, test } from '@jest/globals';
import { escapeText } from '../../src/slack/blocks/escape.js';
import { typedText } from '../../src/slack/typed-text.js';

describe('text as the person typed it', () => {
  test('when Slack sends &amp;, &lt; and &gt;, then they read as &, < and >', () => {
    expect(typedText('R&amp;D tools &lt;5 seats&gt;')).toBe('R&D tools <5 seats>');
  });

  test('each entity is un-escaped once: what the person typed as an entity stays one', () => {
    // The person typed "&lt;" literally: Slack sends "&amp;lt;".
    expect(typedText('&amp;lt; &amp;amp;')).toBe('&lt; &amp;');
  });

  test('mentions, channels and links stay exactly as Slack sent them', () => {
    const text =
      'ask <@U0MAYA> or <@U0BOB|bob> in <#C0OPS|ops> <!here> see <https://x.test/?a=1&amp;b=2|x &amp; y> &amp; more';
    expect(typedText(text)).toBe(
      'ask <@U0MAYA> or <@U0BOB|bob> in <#C0OPS|ops> <!here> see <https://x.test/?a=1&amp;b=2|x &amp; y> & more',
    );
  });

  test('what is typed, escaped again for Slack, is what Slack sent: nothing double-escaped, nothing live', () => {
    const sent = 'R&amp;D tools &lt;5 seats&gt; &lt;!channel&gt;';
    expect(escapeText(typedText(sent))).toBe(sent);
  });
});
