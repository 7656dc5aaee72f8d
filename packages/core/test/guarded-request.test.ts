import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AddressRefusedError, OutboundRequestError, guardedRequest, type ResolvedAddress, type Resolver } from '@depict/core';

/**
 * The connect-time guard, against listeners on loopback only. Host names are answered by
 * an injected resolver, so no test asks DNS, and every address any test could connect to
 * is inside 127.0.0.0/8.
 */
interface Listener {
  readonly server: Server;
  readonly port: number;
  /** TCP connections accepted: a refusal must leave this at 0. */
  connections: number;
  readonly requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }>;
  answer: (res: ServerResponse, url: string) => void;
}

async function listen(host: string): Promise<Listener> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  const listener: Listener = {
    server,
    port: typeof address === 'object' && address ? address.port : 0,
    connections: 0,
    requests: [],
    answer: (res) => res.writeHead(200).end('ok'),
  };
  server.on('connection', () => listener.connections++);
  server.on('request', async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    listener.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    listener.answer(res, req.url ?? '');
  });
  return listener;
}

/** A resolver that answers from a table and counts its calls. */
function resolver(table: Record<string, readonly string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    return (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

/** Refuses 127.0.0.2 alone, so one loopback address can stand for a forbidden one. */
const refuseDotTwo = (address: string) => (address === '127.0.0.2' ? 'the test\'s forbidden address' : undefined);

async function refusal(promise: Promise<unknown>): Promise<AddressRefusedError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AddressRefusedError) return err;
    throw err;
  }
  throw new Error('the request was not refused');
}

const guard = suite('guarded request');
let one: Listener; // 127.0.0.1
let two: Listener; // 127.0.0.2

guard.before(async () => {
  one = await listen('127.0.0.1');
  two = await listen('127.0.0.2');
});
guard.after(() => {
  one.server.close();
  two.server.close();
});
guard.before.each(() => {
  for (const l of [one, two]) {
    l.connections = 0;
    l.requests.length = 0;
    l.answer = (res) => res.writeHead(200).end('ok');
  }
});

guard('a name that resolves to a refused address is refused before any socket opens', async () => {
  for (const answer of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
    const lookup = resolver({ 'hooks.example': [answer] });
    const err = await refusal(guardedRequest(`http://hooks.example:${one.port}/x`, { method: 'POST', body: '{}', lookup }));
    assert.is(err.code, 'address_refused');
    assert.is(err.address, answer);
    assert.match(err.message, new RegExp(`^refused: ${answer.replace(/\./g, '\\.')} is .*loopback \\(127\\.0\\.0\\.0/8\\)`));
    assert.equal(lookup.calls, ['hooks.example']);
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.is(one.connections, 0, 'no connection reached the listener');
});

guard('an IP literal is checked itself (a socket would not look it up); a special-use name is not looked up', async () => {
  const lookup = resolver({});
  for (const url of [
    `http://127.0.0.1:${one.port}/`,
    `http://[::ffff:127.0.0.1]:${one.port}/`,
    `http://[::127.0.0.1]:${one.port}/`,
    `http://0x7f.0.0.1:${one.port}/`, // the URL parser makes this 127.0.0.1
    `http://localhost:${one.port}/`,
    `http://app.localhost:${one.port}/`,
  ]) {
    const err = await refusal(guardedRequest(url, { lookup }));
    assert.match(err.message, /^refused: /, url);
  }
  assert.equal(lookup.calls, [], 'nothing was looked up');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(one.connections, 0);
});

guard('one refused address among allowed ones refuses the name: the socket might have picked it', async () => {
  const lookup = resolver({ 'mixed.example': ['127.0.0.1', '127.0.0.2'] });
  const err = await refusal(guardedRequest(`http://mixed.example:${one.port}/`, { lookup, classify: refuseDotTwo }));
  assert.is(err.address, '127.0.0.2');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(one.connections + two.connections, 0);
});

guard('with private addresses allowed it connects to the resolved address, looked up once, the name kept as Host', async () => {
  const lookup = resolver({ 'hooks.example': ['127.0.0.1'] });
  const res = await guardedRequest(`http://hooks.example:${one.port}/hook?a=1`, {
    allowPrivate: true,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"n":1}',
    lookup,
  });
  assert.is(res.status, 200);
  assert.is(res.body.toString(), 'ok');
  assert.is(res.address, '127.0.0.1');
  assert.equal(lookup.calls, ['hooks.example']);
  assert.is(one.requests.length, 1);
  const [req] = one.requests;
  assert.is(req!.method, 'POST');
  assert.is(req!.url, '/hook?a=1');
  assert.is(req!.headers.host, `hooks.example:${one.port}`);
  assert.is(req!.headers['content-length'], '7');
  assert.is(req!.body, '{"n":1}');
});

guard('the socket never asks again: a resolver that would now answer another address is not consulted', async () => {
  // The first answer is allowed; every later one would be the forbidden address.
  let calls = 0;
  const lookup: Resolver = async () => [{ address: ++calls === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
  const res = await guardedRequest(`http://rebind.example:${one.port}/`, { lookup, classify: refuseDotTwo });
  assert.is(res.status, 200);
  assert.is(calls, 1);
  assert.is(one.requests.length, 1);
  assert.is(two.connections, 0);
});

guard('redirects: handed back by default; when followed, each target is checked again', async () => {
  one.answer = (res, url) =>
    url === '/away' ? res.writeHead(302, { location: `http://127.0.0.2:${two.port}/` }).end() : res.writeHead(200).end(url);
  const manual = await guardedRequest(`http://127.0.0.1:${one.port}/away`, { classify: refuseDotTwo });
  assert.is(manual.status, 302);

  const err = await refusal(guardedRequest(`http://127.0.0.1:${one.port}/away`, { classify: refuseDotTwo, maxRedirects: 3 }));
  assert.is(err.address, '127.0.0.2');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(two.connections, 0, 'the redirect target was never contacted');

  // A 303 after a POST continues as a GET without the body.
  one.answer = (res, url) => (url === '/posted' ? res.writeHead(303, { location: '/seen' }).end() : res.writeHead(200).end(url));
  const followed = await guardedRequest(`http://127.0.0.1:${one.port}/posted`, { classify: refuseDotTwo, maxRedirects: 3, method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
  assert.is(followed.status, 200);
  assert.is(followed.url, `http://127.0.0.1:${one.port}/seen`);
  assert.equal(one.requests.slice(-2).map((r) => [r.method, r.body, r.headers['content-type']]), [['POST', 'x', 'text/plain'], ['GET', '', undefined]]);

  one.answer = (res) => res.writeHead(307, { location: '/again' }).end();
  try {
    await guardedRequest(`http://127.0.0.1:${one.port}/`, { classify: refuseDotTwo, maxRedirects: 3 });
    assert.unreachable('an endless redirect is an error');
  } catch (err) {
    assert.instance(err, OutboundRequestError);
    assert.is((err as OutboundRequestError).code, 'too_many_redirects');
  }
});

guard('an answer too slow or too long is an error, not a wait or a memory spike', async () => {
  one.answer = () => undefined; // never answers
  const started = Date.now();
  try {
    await guardedRequest(`http://127.0.0.1:${one.port}/`, { allowPrivate: true, timeoutMs: 300 });
    assert.unreachable('timed out');
  } catch (err) {
    assert.is((err as OutboundRequestError).code, 'request_timeout');
  }
  assert.ok(Date.now() - started < 3_000);

  one.answer = (res) => res.writeHead(200).end('x'.repeat(5000));
  try {
    await guardedRequest(`http://127.0.0.1:${one.port}/`, { allowPrivate: true, maxBytes: 1000 });
    assert.unreachable('too long');
  } catch (err) {
    assert.is((err as OutboundRequestError).code, 'response_too_large');
  }
  // Streamed with no length announced, the limit holds all the same.
  one.answer = (res) => {
    res.writeHead(200);
    for (let i = 0; i < 5; i++) res.write('y'.repeat(500));
    res.end();
  };
  try {
    await guardedRequest(`http://127.0.0.1:${one.port}/`, { allowPrivate: true, maxBytes: 1000 });
    assert.unreachable('too long');
  } catch (err) {
    assert.is((err as OutboundRequestError).code, 'response_too_large');
  }
});

guard.run();
