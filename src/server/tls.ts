/**
 * TLS key and certificate files, reloaded when they change (cert-manager rotates them in place by
 * swapping the Secret volume's `..data` link, which file watchers miss; so the files are read again on
 * an interval and compared). A new pair is applied only when it forms a valid secure context (a key
 * and certificate that match): half a rotation keeps the previous pair. Missing material leaves the
 * server not ready.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { clearInterval, setInterval } from 'node:timers';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** How often the files are read again (ms); default 5000. */
  readonly reloadIntervalMs?: number;
}

export interface TlsPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Certificate expiry (seconds since the epoch), when the certificate could be read. */
  readonly notAfter?: number;
}

export type TlsEvent =
  | { readonly kind: 'loaded'; readonly notAfter?: number }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'missing'; readonly message: string };

const DEFAULT_RELOAD_MS = 5_000;
/** Largest key or certificate file read (PEM chains are a few KiB). */
const MAX_PEM_BYTES = 1024 * 1024;

function read(file: string): Buffer {
  const b = readFileSync(file);
  if (b.length > MAX_PEM_BYTES) throw new Error(`${file} is larger than ${MAX_PEM_BYTES} bytes`);
  return b;
}

export class TlsMaterial {
  private current: TlsPair | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners: ((pair: TlsPair) => void)[] = [];

  constructor(
    readonly files: TlsFiles,
    private readonly onEvent: (e: TlsEvent) => void = () => {},
  ) {}

  /** The pair in use (undefined while none could be loaded). */
  get pair(): TlsPair | undefined {
    return this.current;
  }

  get ready(): boolean {
    return this.current !== undefined;
  }

  /** Called with every new valid pair (the server applies it with `setSecureContext`). */
  onChange(fn: (pair: TlsPair) => void): void {
    this.listeners.push(fn);
  }

  /** Read the files; apply them when they changed and are valid. Returns whether a new pair was applied. */
  reload(): boolean {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = read(this.files.certFile);
      key = read(this.files.keyFile);
    } catch (e) {
      if (this.current === undefined) this.onEvent({ kind: 'missing', message: (e as NodeJS.ErrnoException).code ?? String(e) });
      return false;
    }
    if (this.current !== undefined && this.current.cert.equals(cert) && this.current.key.equals(key)) return false;
    try {
      createSecureContext({ cert, key });
    } catch (e) {
      this.onEvent({ kind: 'invalid', message: e instanceof Error ? e.message : String(e) });
      return false;
    }
    let notAfter: number | undefined;
    try {
      notAfter = Math.floor(Date.parse(new X509Certificate(cert).validTo) / 1000);
    } catch {
      notAfter = undefined;
    }
    this.current = { cert, key, ...(notAfter !== undefined && Number.isFinite(notAfter) && { notAfter }) };
    this.onEvent({ kind: 'loaded', ...(this.current.notAfter !== undefined && { notAfter: this.current.notAfter }) });
    for (const fn of this.listeners) fn(this.current);
    return true;
  }

  /** Load now and then every `reloadIntervalMs`. */
  start(): void {
    this.reload();
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.reload(), this.files.reloadIntervalMs ?? DEFAULT_RELOAD_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
