import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';

/** One chat-completions request as the fake server received it. */
export interface SeenRequest {
  model: string;
  body: any;
  /** The image the request carried, decoded from its data URL. */
  image: { mediaType: string; bytes: Buffer } | undefined;
  authorization: string | undefined;
}

/** How the fake answers the next request: a description, an HTTP error, a hang, or garbage. */
export type Behaviour =
  | { kind: 'answer'; text: string; delayMs?: number }
  /** Content sent exactly as given, even where JSON was asked for. */
  | { kind: 'raw'; content: string }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'garbage' }
  | { kind: 'reset' }
  | { kind: 'hold'; text: string; release: Promise<void> };

function decodeDataUrl(url: unknown): SeenRequest['image'] {
  if (typeof url !== 'string') return undefined;
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!, bytes: Buffer.from(match[2]!, 'base64') } : undefined;
}

/** A JSON answer of the shape the worker asks for, with `text` as its description. */
export function structured(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    caption: text,
    alt_text: text.slice(0, 125),
    description: text,
    tags: [],
    objects: [],
    text: null,
    people: 0,
    content_flags: ['none'],
    ...extra,
  });
}

/**
 * A small OpenAI-compatible server on loopback. It records what it is sent and answers
 * the way the test says; OPENAI_BASE_URL points at `baseUrl`.
 */
export class FakeOpenAI {
  readonly requests: SeenRequest[] = [];
  behaviour: Behaviour = { kind: 'answer', text: 'A test description.' };
  /** Behaviours for the next requests, one each, before `behaviour` applies again. */
  readonly next: Behaviour[] = [];
  /** Response formats this server refuses with a 400, as servers without structured output do. */
  readonly refuses = new Set<'json_schema' | 'json_object'>();
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.baseUrl = `http://127.0.0.1:${address.port}/v1`;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const content = body?.messages?.[0]?.content;
    const imagePart = Array.isArray(content) ? content.find((p: any) => p?.type === 'image_url') : undefined;
    this.requests.push({
      model: body.model,
      body,
      image: decodeDataUrl(imagePart?.image_url?.url),
      authorization: req.headers.authorization,
    });

    const format = body.response_format?.type as string | undefined;
    if (format && this.refuses.has(format as 'json_schema')) {
      const message = `Invalid parameter: 'response_format' of type '${format}' is not supported with this model.`;
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'response_format' } }));
      return;
    }
    const b = this.next.shift() ?? this.behaviour;
    switch (b.kind) {
      case 'answer':
        if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
        return this.answer(res, body.model, format && b.text.trim() ? structured(b.text) : b.text);
      case 'raw':
        return this.answer(res, body.model, b.content);
      case 'hold':
        await b.release;
        return this.answer(res, body.model, format && b.text.trim() ? structured(b.text) : b.text);
      case 'status':
        res
          .writeHead(b.status, { 'content-type': 'application/json', ...(b.headers ?? {}) })
          .end(b.body ?? JSON.stringify({ error: { message: `fake failure ${b.status}`, type: 'server_error' } }));
        return;
      case 'hang':
        this.hanging.add(res);
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ this is not json');
        return;
      case 'reset':
        req.socket.destroy();
        return;
    }
  }

  private answer(res: ServerResponse, model: string, text: string): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      }),
    );
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
