/** Exponential backoff with jitter for queue retries: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffSeconds(attempt: number): number {
  const base = Math.min(300, 2 ** Math.max(0, attempt - 1));
  return base * (0.75 + Math.random() * 0.5);
}
