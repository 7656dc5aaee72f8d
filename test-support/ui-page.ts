import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { REPO_ROOT, type Stack } from './processes.js';

/** Where the UI tests leave their screenshots (git ignores it). */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

const AXE = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('axe-core/axe.min.js');

/**
 * axe-core's serious and critical findings on the page as it is now. axe is evaluated
 * through the debugging protocol, which the page's CSP does not govern, so the page runs
 * under its real CSP while it is checked.
 */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; help: string; nodes: string[] }>> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    type Result = { violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ html: string }> }> };
    const result = await (window as unknown as { axe: { run(): Promise<Result> } }).axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.html.slice(0, 160)) }));
  });
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** alert()/confirm() texts the page raised. */
  dialogs: string[];
  cspErrors: string[];
  pageErrors: string[];
  /** Every request the page made, paths relative to the server. */
  requests: string[];
}

/** A fresh browser context (its own localStorage) on the stack's /ui. */
export async function openPage(
  browser: Browser,
  stack: Stack,
  options: { width?: number; before?: (page: Page) => Promise<unknown> } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const opened: OpenedPage = { context, page, dialogs: [], cspErrors: [], pageErrors: [], requests: [] };
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) opened.cspErrors.push(m.text());
  });
  page.on('pageerror', (e) => opened.pageErrors.push(e.message));
  page.on('request', (r: Request) => opened.requests.push(r.url().replace(stack.url, '')));
  await options.before?.(page);
  await page.goto(`${stack.url}/ui`);
  return opened;
}

export const file = async (name: string, bytes: Promise<Buffer> | Buffer, mimeType = 'image/png') => ({ name, mimeType, buffer: await bytes });

/** POST /submit from the test itself (not the page), as another client would. */
export async function submit(stack: Stack, name: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: name.endsWith('.jpg') ? 'image/jpeg' : 'image/png' }), name);
  const res = await fetch(`${stack.url}/submit`, { method: 'POST', body: form, headers });
  if (res.status !== 202) throw new Error(`submit ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { job_id: string }).job_id;
}

/** Waits until every card on the page has reached a final state. */
export function allFinished(page: Page, count: number, timeout = 20_000) {
  return page.waitForFunction(
    (n) => {
      const cards = [...document.querySelectorAll('.job')];
      return cards.length === n && cards.every((c) => ['done', 'failed', 'canceled'].includes((c as HTMLElement).dataset.status ?? ''));
    },
    count,
    { timeout },
  );
}
