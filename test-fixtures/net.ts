/** Network helpers for tests and benchmarks on loopback. */
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the probe socket is closed before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
