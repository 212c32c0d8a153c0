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
