import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../findings/index.js';
import { coreRules } from '../rules/index.js';
import type { ScanOptions } from './options.js';
import type { FileScanRequest, FileScanResult } from './scan-file.js';
import { scanFile } from './scan-file.js';
import { fileReporter } from './selection.js';

/** The scan worker: the bundled one next to the bundled CLI (dist/bulwark.mjs), else the compiled module. */
const BUNDLED_WORKER_URL = new URL('./bulwark-worker.mjs', import.meta.url);
const WORKER_URL = import.meta.url.endsWith('/bulwark.mjs') && existsSync(fileURLToPath(BUNDLED_WORKER_URL)) ? BUNDLED_WORKER_URL : new URL('./worker.js', import.meta.url);

/** Worker threads need compiled JavaScript; under a TypeScript test runner we scan in-process. */
export function workersAvailable(): boolean {
  return (import.meta.url.endsWith('.js') || import.meta.url.endsWith('.mjs')) && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Scan files with up to `jobs` worker threads, reporting progress after each file. A worker that dies
 * (e.g. out of memory on a hostile file) costs only its current file, which gets an internal-error
 * finding; the pool starts a fresh worker for the rest.
 */
/**
 * The worker count when the user gave none: the cores, but never more workers than the work can use.
 * A worker costs a Node start-up and module load (about 0.2 s here), and what it loads crosses back by
 * structured clone, so trees of small files (manifests, configs) are faster in the main thread; model
 * files in bulk are not. One worker per 32 MiB of input, or per 64 files once there are 4 MiB.
 */
export function defaultJobs(cores: number, files: readonly { readonly size: number }[]): number {
  if (files.length < 2) return 1;
  let bytes = 0;
  for (const f of files) bytes += f.size;
  const byBytes = Math.floor(bytes / (32 * 1024 * 1024));
  const byFiles = bytes > 4 * 1024 * 1024 ? Math.floor(files.length / 64) : 0;
  return Math.max(1, Math.min(cores, Math.max(byBytes, byFiles)));
}

/**
 * The V8 heap each worker may use, so that `jobs` workers and the main thread fit the machine: three
 * quarters of the physical memory, less 512 MiB for the main thread, shared by the workers; at least
 * 512 MiB and at most 4 GiB each. A worker that goes past it dies alone (its target gets a high
 * internal-error finding) instead of the kernel or V8 ending the whole scan.
 */
export function workerHeapMb(jobs: number, totalBytes: number = totalmem()): number {
  const totalMb = Math.floor(totalBytes / (1024 * 1024));
  const share = Math.floor((totalMb * 0.75 - 512) / Math.max(1, jobs));
  return Math.max(512, Math.min(4096, share));
}

export interface FileJob {
  readonly path: string;
  /** A cross-file phase wants the file's text. */
  readonly captureText: boolean;
  /** A phase wants it, but the scan's text budget (maxFolderTextBytes) is spent. */
  readonly textUnavailable?: string;
}

function requestOf(job: FileJob | undefined): FileScanRequest {
  return { captureText: job?.captureText === true, ...(job?.textUnavailable !== undefined && { textUnavailable: job.textUnavailable }) };
}

export async function scanFiles(
  jobsList: readonly FileJob[],
  options: ScanOptions,
  onProgress: (done: number, path: string) => void = () => {},
): Promise<FileScanResult[]> {
  const paths = jobsList.map((j) => j.path);
  const results: FileScanResult[] = new Array<FileScanResult>(paths.length);
  const jobs = Math.max(1, Math.min(options.jobs, paths.length));
  if (jobs === 1 || !workersAvailable()) {
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i] as string;
      results[i] = scanFile(p, options, requestOf(jobsList[i]));
      onProgress(i + 1, p);
      if (i % 16 === 15) await new Promise((r) => setImmediate(r)); // let the progress bar render
    }
    return results;
  }
  let next = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    let live = 0;
    const start = (): void => {
      const w = new Worker(WORKER_URL, { workerData: options, resourceLimits: { maxOldGenerationSizeMb: workerHeapMb(jobs) } });
      live++;
      let current = -1;
      const feed = (): void => {
        if (next >= paths.length) {
          current = -1;
          void w.terminate();
          return;
        }
        current = next++;
        w.postMessage({ id: current, path: paths[current], request: requestOf(jobsList[current]) });
      };
      w.on('message', (msg: { id: number; result: FileScanResult }) => {
        results[msg.id] = msg.result;
        onProgress(++done, paths[msg.id] as string);
        feed();
      });
      w.on('error', (e) => {
        if (current >= 0) {
          const path = paths[current] as string;
          const reporter = fileReporter(options);
          reporter.report(coreRules.internalError, { location: { kind: 'file', path }, message: `analyser crashed: ${errorMessage(e)}` });
          results[current] = { target: { path, format: 'unknown', status: 'partial' }, findings: reporter.finish(), artifacts: [] };
          onProgress(++done, path);
          current = -1;
        }
      });
      w.on('exit', () => {
        live--;
        if (next < paths.length) start();
        else if (live === 0) resolve();
      });
      feed();
    };
    for (let i = 0; i < jobs; i++) start();
  });
  return results;
}
