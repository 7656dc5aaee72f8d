// The one upload control: the drop zone is a label around a visually hidden file input,
// so a click, Enter or Space on it opens the file picker, a screen reader announces one
// control, and files can also be dropped on it.

/**
 * @param {HTMLLabelElement} zone the drop zone, holding the file input
 * @param {(files: File[]) => void} onFiles
 */
export function bindUploadControl(zone, onFiles) {
  const input = /** @type {HTMLInputElement} */ (zone.querySelector('input[type="file"]'));

  input.addEventListener('change', () => {
    onFiles(Array.from(input.files || []));
    // Picking the same file again should upload it again.
    input.value = '';
  });

  // dragenter/dragleave fire for every child crossed, so count them to know when the
  // pointer has really left the zone.
  let dragDepth = 0;
  zone.addEventListener('dragenter', (event) => {
    event.preventDefault();
    dragDepth += 1;
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  zone.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    dragDepth = 0;
    zone.classList.remove('dragging');
    onFiles(Array.from(event.dataTransfer ? event.dataTransfer.files : []));
  });

  // A file dropped beside the zone would otherwise replace this page with the image.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (event) => {
      if (zone.contains(/** @type {Node} */ (event.target))) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
    });
  }
}
