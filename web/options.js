// The job options (length, language, extra instruction) sent with every upload, kept in
// this browser so they are there again after a reload.

const STORAGE_KEY = 'depict.options';
const FIELDS = ['length', 'language', 'prompt'];

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
 * @param {HTMLFormElement} form
 * @returns {() => Record<string, string>}
 */
export function bindOptions(form) {
  const saved = load();
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
  form.addEventListener('input', () => save(read()));
  form.addEventListener('change', () => save(read()));
  // Nothing to submit: the options go with each upload.
  form.addEventListener('submit', (event) => event.preventDefault());
  return read;
}
