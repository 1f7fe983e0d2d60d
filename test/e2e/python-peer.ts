// A real peer written in Python (Debian's /usr/bin/python3): an HTTP server script started on
// 127.0.0.1:<port> with its settings in the environment, tracked so stopAll() ends it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, PYTHON, ROOT, stopChild, track, captureOutput, waitFor, type Running } from './support';

export interface PythonPeer extends Running {
  /** http://<host>:<port> (the server listens on 127.0.0.1; `host` picks the name browsers use). */
  url: string;
  port: number;
}

/** Starts `script` (relative to the repository) with PORT and `env`; resolves once GET / answers. */
export async function startPythonPeer(options: { script: string; label: string; env: Record<string, string>; host?: 'localhost' | '127.0.0.1'; port?: number }): Promise<PythonPeer> {
  const port = options.port ?? (await freePort());
  const child = spawn(PYTHON, [join(ROOT, options.script)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PORT: String(port), ...options.env },
  });
  const output = captureOutput(child);
  const url = `http://${options.host ?? 'localhost'}:${port}`;
  const peer = track<PythonPeer>({ name: `${options.label} (${url})`, url, port, output, stop: () => stopChild(child) }, child);
  try {
    await waitFor(`http://127.0.0.1:${port}/`, { child, timeoutMs: 30_000 });
  } catch (error) {
    await peer.stop();
    throw new Error(`${options.label} did not start: ${(error as Error).message}\n--- its output ---\n${output()}`);
  }
  return peer;
}
