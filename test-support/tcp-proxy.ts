import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a service, to fail the network between Depict and
 * it the ways a bad day does: `cut()` drops every connection and refuses new ones (the
 * database host gone); `freeze()` keeps every connection but passes nothing either way,
 * and holds new ones unanswered (a network that went silent); `restore()` ends either.
 */
export class TcpProxy {
  private server!: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private frozen = false;
  private readonly held = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    return this;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.frozen) {
      client.pause();
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    this.pipe(client);
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Every connection dropped, new ones refused, until restore(). */
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    for (const client of this.held) client.destroy();
    await closed;
  }

  /** Nothing passes either way; new connections are accepted and left unanswered. */
  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** After a cut: listen again on the same port. After a freeze: pass everything held on. */
  async restore(): Promise<void> {
    if (!this.server.listening) {
      await this.start(this.port);
      return;
    }
    this.frozen = false;
    for (const [client, upstream] of this.pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    for (const client of this.held) {
      this.held.delete(client);
      this.pipe(client);
    }
  }

  async close(): Promise<void> {
    await this.cut().catch(() => undefined);
  }
}
