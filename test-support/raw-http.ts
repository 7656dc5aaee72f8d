import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP/1.1 request with the request target exactly as given: absolute form, dot
 * segments and encodings reach the server untouched (fetch and curl would normalise
 * them). The Host header is the connection's unless `headers` names another. `from` is
 * the loopback address to send from (any of 127.0.0.0/8), for what is counted per address.
 */
export function rawRequest(
  port: number,
  target: string,
  {
    method = 'GET',
    headers = {},
    body,
    from,
  }: { method?: string; headers?: Record<string, string>; body?: Buffer | string; from?: string } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, headers, agent: false, localAddress: from }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A request whose body is never finished: the head and `firstBytes` of a body that
 * declares `contentLength`, then nothing, until `abandon()`. `answer` resolves with the
 * whole answer (head and body) as soon as it has arrived, or with what came before the
 * server closed the connection ('' for nothing).
 */
export function slowRequest(
  port: number,
  target: string,
  { method = 'POST', headers, contentLength, firstBytes, from }: { method?: string; headers: Record<string, string>; contentLength: number; firstBytes: Buffer; from?: string },
): { answer: Promise<string>; abandon: () => void } {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  const head = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Content-Length: ${contentLength}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  socket.write(firstBytes);
  let received = '';
  socket.on('error', () => undefined);
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = received.slice(0, headEnd);
      const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
      const whole =
        length !== undefined ? received.length >= headEnd + 4 + Number(length) : /\r\ntransfer-encoding: chunked/i.test(head) && received.endsWith('\r\n0\r\n\r\n');
      if (whole) resolve(received);
    });
    socket.on('close', () => resolve(received));
  });
  return { answer, abandon: () => socket.destroy() };
}
