import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';

/** The README's fenced code blocks in a language, in order, as a reader copies them. */
export function readmeBlocks(language: string): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === language).map((m) => m[2]!);
}

/** The one README block in a language that holds `marker`; a README without it fails the test. */
export function readmeBlock(language: string, marker: string): string {
  const blocks = readmeBlocks(language).filter((b) => b.includes(marker));
  if (blocks.length !== 1) throw new Error(`README.md has ${blocks.length} \`\`\`${language} blocks with "${marker}", not one`);
  return blocks[0]!;
}
