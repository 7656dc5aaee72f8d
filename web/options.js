// The job options (length, language, extra instruction) sent with every upload, kept in
// this browser so they are there again after a reload.

const STORAGE_KEY = 'depict.options';
const FIELDS = ['length', 'language', 'prompt'];
const LENGTH_WORDS = { alt: 'Alt text', normal: 'Normal length', detailed: 'Detailed' };

/** The choices in a few words, for the folded options' summary. */
function summaryOf(values) {
  let language = 'the server’s language';
  if (values.language) {
    try {
      language = new Intl.DisplayNames(['en'], { type: 'language' }).of(values.language) || values.language;
    } catch {
      language = values.language;
    }
  }
  const parts = [LENGTH_WORDS[values.length] || LENGTH_WORDS.normal, language];
  if (values.prompt) parts.push('an extra instruction');
  return '(' + parts.join(', ') + ')';
}

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}');
    return saved && typeof saved === 'object' ? saved : {};
  } catch {
    return {};
  }
}

function save(values) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(values));
  } catch {
    // Storage may be off (private mode): the choices then last only for this page.
  }
}

/**
 * Fills the form from what this browser kept, keeps it up to date as the person
 * changes it, and returns a function that reads the options for the next upload.
 * The form sits in a <details> whose summary says the choices; whether it is unfolded
 * is kept too.
 * @param {HTMLFormElement} form
 * @param {{box: HTMLDetailsElement, summary: HTMLElement}} folding
 * @returns {() => Record<string, string>}
 */
export function bindOptions(form, { box, summary }) {
  const saved = load();
  box.open = saved.open === true;
  for (const name of FIELDS) {
    const field = form.elements.namedItem(name);
    if (field && typeof saved[name] === 'string') field.value = saved[name];
  }
  const read = () => {
    const values = {};
    for (const name of FIELDS) {
      const field = form.elements.namedItem(name);
      if (field) values[name] = field.value.trim();
    }
    return values;
  };
  const update = () => {
    const values = read();
    summary.textContent = summaryOf(values);
    save({ ...values, open: box.open });
  };
  update();
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  box.addEventListener('toggle', update);
  // Nothing to submit: the options go with each upload.
  form.addEventListener('submit', (event) => event.preventDefault());
  return read;
}
