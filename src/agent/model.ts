import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import type { Config } from '../config.js';

/**
 * The configured model: OpenAI's Responses API by default, or Chat Completions (`OPENAI_API=chat`)
 * for OpenAI-compatible servers such as Ollama, vLLM or LM Studio.
 */
export function createLanguageModel(openai: Config['openai']): LanguageModel | undefined {
  if (!openai.apiKey) return undefined;
  const provider = createOpenAI({ apiKey: openai.apiKey, baseURL: openai.baseUrl });
  return openai.api === 'chat' ? provider.chat(openai.model) : provider(openai.model);
}

/**
 * Asks the model server for its model list (GET /models: free, no tokens) to learn at startup whether
 * it accepts OPENAI_API_KEY. Returns one line naming the variable and the fix when it refuses the key;
 * undefined when it accepts it, or when it cannot be asked (a network problem is not a key problem,
 * and the first mention will say what went wrong).
 *
 * @see https://platform.openai.com/docs/api-reference/models/list
 */
export async function checkModelAccess(openai: Config['openai']): Promise<string | undefined> {
  if (!openai.apiKey) return undefined;
  const base = (openai.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  try {
    const response = await fetch(`${base}/models`, {
      headers: { authorization: `Bearer ${openai.apiKey}` },
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) {
      return `The model server refused OPENAI_API_KEY (HTTP ${response.status}): create a key at https://platform.openai.com/api-keys (or your server's) and set OPENAI_API_KEY; check OPENAI_BASE_URL if you use another server. Mentions fail until then; /charges new still works.`;
    }
  } catch {
    // Unreachable or slow: not a key problem.
  }
  return undefined;
}
