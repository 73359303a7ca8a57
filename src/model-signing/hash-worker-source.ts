/**
 * Source of the hashing worker, run with `new Worker(source, { eval: true })` so that the same code
 * works from `src/` under vitest and from `dist/` (a `.ts` worker file cannot be loaded without a
 * loader, and tsc does not copy `.js` files). It is Bulwark's own code, never input.
 *
 * It mirrors `hashUnitSync` in hash-io.ts (same open flags, same changed-file checks); the
 * differential test in hash.test.ts runs both on the same files.
 *
 * Protocol: in `{ id, algorithm, noFollow, units: [{ path, start, end, size, whole }] }`,
 * out `{ id, digests: string[] }` or `{ id, error: { index, code, message } }`.
 * Units up to one chunk are read synchronously (a batch of small files costs one message, not one
 * event-loop turn per file); larger units are read with two buffers so the next read (on the libuv
 * pool) overlaps the hashing of the current chunk.
 */
export const HASH_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const CHUNK = workerData.chunkSize;
const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
const C = fs.constants;

function changed(message) {
  const e = new Error(message);
  e.code = 'ECHANGED';
  return e;
}

// Opens the unit; a whole file of unknown size (size -1, not stat'ed at enumeration) takes the size
// fstat reports. Returns [fd, unit].
function openUnit(u, noFollow) {
  const flags = C.O_RDONLY | (C.O_NONBLOCK || 0) | (noFollow ? (C.O_NOFOLLOW || 0) : 0);
  const fd = fs.openSync(u.path, flags);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      const e = new Error('not a regular file');
      e.code = 'ENOTREG';
      throw e;
    }
    if (u.size < 0 && u.whole) u = { path: u.path, start: 0, end: st.size, size: st.size, whole: true };
    if (st.size !== u.size) throw changed('size changed from ' + u.size + ' to ' + st.size + ' bytes');
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return [fd, u];
}

function checkEof(fd, pos) {
  if (fs.readSync(fd, bufs[0], 0, 1, pos) !== 0) throw changed('file grew while it was being hashed');
}

// One-shot hashing (Node >= 20.12) saves a Hash object per small file.
const oneShot = typeof require('node:crypto').hash === 'function' ? require('node:crypto').hash : null;

function hashSync(u0, algorithm, noFollow) {
  const [fd, u] = openUnit(u0, noFollow);
  return hashSyncOpened(fd, u, algorithm);
}

function hashSyncOpened(fd, u, algorithm) {
  try {
    const len = u.end - u.start;
    if (u.whole && len < CHUNK) {
      // Small whole file: one read of size + 1 bytes also proves EOF (a regular file reads short
      // only at its end, so a read that stops exactly at len is the end: one read per file).
      let got = 0;
      for (;;) {
        const n = fs.readSync(fd, bufs[0], got, len + 1 - got, got);
        if (n === 0) break;
        got += n;
        if (got > len) throw changed('file grew while it was being hashed');
        if (got === len) break;
      }
      if (got !== len) throw changed('file shrank while it was being hashed');
      const data = bufs[0].subarray(0, len);
      return oneShot ? oneShot(algorithm, data, 'hex') : createHash(algorithm).update(data).digest('hex');
    }
    const h = createHash(algorithm);
    let pos = u.start;
    let left = len;
    while (left > 0) {
      const n = fs.readSync(fd, bufs[0], 0, Math.min(CHUNK, left), pos);
      if (n === 0) throw changed('file shrank while it was being hashed');
      h.update(bufs[0].subarray(0, n));
      pos += n;
      left -= n;
    }
    if (u.whole) checkEof(fd, pos);
    return h.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

function readAsync(fd, buf, len, pos) {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, 0, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

async function hashAsync(u0, algorithm, noFollow) {
  const [fd, u] = openUnit(u0, noFollow);
  return hashAsyncOpened(fd, u, algorithm);
}

async function hashAsyncOpened(fd, u, algorithm) {
  try {
    const h = createHash(algorithm);
    let pos = u.start;
    let left = u.end - u.start;
    let i = 0;
    let pending = readAsync(fd, bufs[0], Math.min(CHUNK, left), pos);
    for (;;) {
      const n = await pending;
      if (n === 0) throw changed('file shrank while it was being hashed');
      const cur = bufs[i];
      pos += n;
      left -= n;
      i ^= 1;
      if (left > 0) pending = readAsync(fd, bufs[i], Math.min(CHUNK, left), pos);
      h.update(cur.subarray(0, n));
      if (left === 0) break;
    }
    if (u.whole) checkEof(fd, pos);
    return h.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

parentPort.on('message', async (msg) => {
  const digests = [];
  for (let index = 0; index < msg.units.length; index++) {
    const u = msg.units[index];
    try {
      if (u.size < 0) {
        // Not stat'ed at enumeration: open (fstat gives the size), then the small or the large path.
        const [fd, v] = openUnit(u, msg.noFollow);
        digests.push(v.end - v.start <= CHUNK ? hashSyncOpened(fd, v, msg.algorithm) : await hashAsyncOpened(fd, v, msg.algorithm));
      } else {
        digests.push(u.end - u.start <= CHUNK ? hashSync(u, msg.algorithm, msg.noFollow) : await hashAsync(u, msg.algorithm, msg.noFollow));
      }
    } catch (e) {
      parentPort.postMessage({ id: msg.id, error: { index, code: (e && e.code) || 'EIO', message: String((e && e.message) || e) } });
      return;
    }
  }
  parentPort.postMessage({ id: msg.id, digests });
});
`;
