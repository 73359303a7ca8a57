/** Worker-thread entry: receives file paths, returns FileScanResults. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ScanOptions } from './options.js';
import type { FileScanRequest } from './scan-file.js';
import { scanFile } from './scan-file.js';

const options = workerData as ScanOptions;
parentPort?.on('message', (msg: { id: number; path: string; request: FileScanRequest }) => {
  const result = scanFile(msg.path, options, msg.request);
  parentPort?.postMessage({ id: msg.id, result });
});
