// The submit benchmark's baseline: a bare express + multer endpoint that writes the
// uploaded file to disk and answers 202, nothing else. Prints its port when listening.
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

// express and multer are the server package's dependencies: the same versions.
const require = createRequire(path.resolve('packages/server/package.json'));
const express = require('express');
const multer = require('multer');

const dir = mkdtempSync(path.join(os.tmpdir(), 'depict-bare-'));
const upload = multer({ dest: dir, limits: { fileSize: 20 * 1024 * 1024 } });
const app = express();
app.post('/submit', upload.single('file'), (req, res) => {
  res.status(202).json({ ok: true, bytes: req.file?.size ?? 0 });
});
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
