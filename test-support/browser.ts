import { execSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (nothing is downloaded). */
export async function launchChromium(): Promise<Browser> {
  let executablePath: string;
  try {
    executablePath = execSync('command -v chromium', { encoding: 'utf8', shell: '/bin/sh' }).trim();
  } catch {
    throw new Error('Chromium is not installed: apt-get install -y chromium (.ci/run does this)');
  }
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}
