// What a vision model answered, beside the measured facts: the caption, tags, objects
// and people it saw, the text it read, its content flags, and what the call cost.

const FLAG_WORDS = { adult: 'Adult content', violence: 'Violence', none: 'Nothing flagged' };
const MODE_WORDS = {
  json_schema: 'Structured answer (JSON schema)',
  json_object: 'Structured answer (JSON mode)',
  text: 'Plain text (the server takes no JSON format)',
};

/** The vision model's structured answer, when the job has one. */
export function visionAnswer(details) {
  const vision = details && typeof details.vision === 'object' ? details.vision : null;
  return vision && vision.answer && typeof vision.answer === 'object' ? vision.answer : null;
}

/**
 * Adds the vision facts of `details` through `add(term, value)`; `el` makes elements.
 * @param {Record<string, any>} details
 * @param {(term: string, value: string | Node | undefined) => void} add
 * @param {(tag: string, className?: string, text?: string) => HTMLElement} el
 */
export function addVisionFacts(details, add, el) {
  const vision = details && typeof details.vision === 'object' ? details.vision : null;
  if (!vision) return;
  const answer = visionAnswer(details);
  if (answer) {
    add('Caption', String(answer.caption ?? ''));
    if (Array.isArray(answer.tags) && answer.tags.length > 0) add('Tags', answer.tags.map(String).join(', '));
    if (Array.isArray(answer.objects) && answer.objects.length > 0) {
      const list = el('ul', 'objects');
      for (const o of answer.objects) list.append(el('li', '', `${Number(o.count) > 1 ? `${o.count} × ` : ''}${o.name}`));
      add('Seen', list);
    }
    if (typeof answer.people === 'number') add('People', String(answer.people));
    add('Text read', answer.text ? el('q', 'text-read', String(answer.text)) : el('span', 'quiet', 'No text'));
    if (Array.isArray(answer.content_flags)) add('Content', answer.content_flags.map((f) => FLAG_WORDS[f] || String(f)).join(', '));
  }
  add('Answer', MODE_WORDS[vision.mode] || String(vision.mode ?? ''));
  const image = vision.image;
  if (image && image.width) add('Sent to the model', `${image.width} × ${image.height} px, detail ${image.detail}`);
  const usage = details.usage;
  if (usage && typeof usage.total_tokens === 'number') {
    const cost = typeof usage.cost_usd === 'number' ? `, $${usage.cost_usd.toFixed(usage.cost_usd < 0.01 ? 5 : 2)}` : '';
    add('Tokens', `${usage.input_tokens} in, ${usage.output_tokens} out${cost}`);
  }
}
