/**
 * Child process of bench/gateway.ts: an open-loop load generator. Sends POST bodies on a fixed
 * schedule (RATE per second for SECONDS after WARMUP seconds) through an undici Pool, timing each
 * request with process.hrtime.bigint() from its send to the end of its response, and prints one JSON
 * line: sorted-latency percentiles (µs), counts, errors, and how late the schedule ran.
 * argv: URL PATH RATE SECONDS WARMUP CONNECTIONS BODYFILE [json|sse] [WINDOW]
 *
 * SSE: each chunk's text is `t=<hrtime ns>;` (its write time). With WINDOW = 0 the delay of chunk i is
 * its arrival minus its own write time. With WINDOW > 0 (a gateway holding back WINDOW characters of
 * text) it is its arrival minus the write time of chunk j, the first chunk after which more than
 * WINDOW characters followed chunk i: the moment the hold-back allows chunk i out. Chunks released
 * only by the end of the stream are not counted (nothing newer arrived to release them earlier).
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

const [url = '', path = '/', rateS = '1000', secondsS = '10', warmupS = '2', connS = '64', bodyFile = '', mode = 'json', windowS = '0'] = process.argv.slice(2);
const windowChars = Number(windowS);
const rate = Number(rateS);
const body = readFileSync(bodyFile);
const pool = new Pool(url, { connections: Number(connS), pipelining: 1, connect: { rejectUnauthorized: false }, keepAliveTimeout: 60_000 });
const headers = { 'content-type': 'application/json', 'content-length': String(body.length), authorization: 'Bearer bench' };

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

async function one(record: number[] | undefined, sse: number[] | undefined, errors: { n: number }): Promise<void> {
  const t0 = process.hrtime.bigint();
  try {
    const r = await pool.request({ path, method: 'POST', headers, body });
    if (mode === 'sse') {
      let buf = '';
      const stamps: bigint[] = [];
      const arrivals: bigint[] = [];
      const lengths: number[] = [];
      for await (const chunk of r.body) {
        const now = process.hrtime.bigint();
        buf += (chunk as Buffer).toString('utf8');
        let i: number;
        while ((i = buf.indexOf('t=')) >= 0) {
          const j = buf.indexOf(';', i);
          if (j < 0) break;
          stamps.push(BigInt(buf.slice(i + 2, j)));
          arrivals.push(now);
          lengths.push(j + 1 - i);
          buf = buf.slice(j + 1);
        }
      }
      for (let i = 0; i < stamps.length; i++) {
        let k = i;
        if (windowChars > 0) {
          let after = 0;
          while (k + 1 < stamps.length && after <= windowChars) after += lengths[++k] ?? 0;
          if (after <= windowChars) continue;
        }
        sse?.push(Number((arrivals[i] ?? 0n) - (stamps[k] ?? 0n)) / 1000);
      }
    } else await r.body.dump();
    if (r.statusCode !== 200) errors.n++;
  } catch {
    errors.n++;
  }
  record?.push(Number(process.hrtime.bigint() - t0) / 1000);
}

async function phase(seconds: number, record: number[] | undefined, sse: number[] | undefined, errors: { n: number }): Promise<{ sent: number; maxLagUs: number }> {
  const total = Math.round(seconds * rate);
  const start = process.hrtime.bigint();
  const interval = 1e9 / rate;
  const inflight: Promise<void>[] = [];
  let sent = 0;
  let maxLag = 0;
  while (sent < total) {
    const now = Number(process.hrtime.bigint() - start);
    while (sent < total && sent * interval <= now) {
      maxLag = Math.max(maxLag, now - sent * interval);
      inflight.push(one(record, sse, errors));
      sent++;
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  await Promise.all(inflight);
  return { sent, maxLagUs: maxLag / 1000 };
}

const warmErrors = { n: 0 };
await phase(Number(warmupS), undefined, undefined, warmErrors);
const lat: number[] = [];
const sse: number[] = [];
const errors = { n: 0 };
const r = await phase(Number(secondsS), lat, sse, errors);
lat.sort((a, b) => a - b);
sse.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ sent: r.sent, errors: errors.n, maxLagUs: Math.round(r.maxLagUs), p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), p999: pct(lat, 99.9), max: lat.at(-1), ...(mode === 'sse' && { sseChunks: sse.length, sseP50: pct(sse, 50), sseP99: pct(sse, 99), sseMax: sse.at(-1) }) })}\n`,
);
await pool.close();
