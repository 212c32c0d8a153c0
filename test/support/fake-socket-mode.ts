import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { eventually } from './http-fake.js';

/**
 * A loopback Socket Mode endpoint: greets each connection with `hello`, delivers envelopes as Slack
 * does, and records the client's acknowledgements ({ envelope_id }).
 */
export class FakeSocketMode {
  readonly acks: { envelope_id: string; payload?: unknown }[] = [];
  private readonly clients = new Set<WebSocket>();

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      this.clients.add(socket);
      socket.on('message', (data) => this.acks.push(JSON.parse(String(data)) as { envelope_id: string }));
      socket.on('close', () => this.clients.delete(socket));
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake' },
          connection_info: { app_id: 'A0APP' },
        }),
      );
    });
  }

  static async start(): Promise<FakeSocketMode> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new FakeSocketMode(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link`;
  }

  waitForClient(): Promise<number> {
    return eventually(() => (this.clients.size > 0 ? this.clients.size : undefined), 'a Socket Mode client');
  }

  /** Delivers an Events API payload in a Socket Mode envelope; resolves once the client acknowledges it. */
  async deliverEvent(payload: unknown, envelopeId = `env-${Math.random().toString(36).slice(2)}`): Promise<void> {
    const envelope = {
      envelope_id: envelopeId,
      type: 'events_api',
      payload,
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
    };
    for (const client of this.clients) client.send(JSON.stringify(envelope));
    await eventually(() => this.acks.find((a) => a.envelope_id === envelopeId), `ack of ${envelopeId}`);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
