import type { Request, RequestHandler, Response } from 'express';

/**
 * The largest request body any route accepts. Slack's and Stripe's payloads are a few kilobytes
 * (Stripe's events rarely exceed 100 KB; Slack's largest, a modal submission, stays far below);
 * anything near a megabyte is not from them.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How much of an oversized body is read and dropped so the client can read its 413, before hanging up. */
const DRAIN_MAX_BYTES = 16 * MAX_BODY_BYTES;

/**
 * 413 for any request that declares a body over the limit, on every route, before anything reads it.
 * (A body sent without a length is bounded by the parser of the route that reads it: same limit, same
 * 413.)
 */
export function refuseOversizedBodies(limit = MAX_BODY_BYTES): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      sendBodyTooLarge(req, res, limit);
      return;
    }
    next();
  };
}

/**
 * Answers 413 and reads the rest of the body into the void, so the client can finish sending and
 * then read the answer (hanging up mid-upload makes most clients report a reset, not the 413). A
 * client that keeps sending well past the limit is disconnected.
 */
export function sendBodyTooLarge(req: Request, res: Response, limit = MAX_BODY_BYTES): void {
  res.setHeader('connection', 'close');
  res.status(413).json({ error: 'body_too_large', message: `Request bodies are limited to ${limit} bytes.` });
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) req.socket.destroy();
  });
  req.resume();
}
