/**
 * The reference for delta bytes: what rsync itself puts on the wire. A local rsync copy
 * sends whole files, so run a real daemon on 127.0.0.1 and push with --no-whole-file;
 * the client's "Total bytes sent/received" then count the signature, the delta and the
 * protocol around them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RsyncTransfer {
  readonly wireBytes: number;
  readonly literalBytes: number;
  readonly ms: number;
}

export class RsyncDaemon {
  private constructor(
    private readonly process: ChildProcess,
    private readonly port: number,
    private readonly root: string,
  ) {}

  /** Starts a daemon in `dir`, or returns null when rsync is not installed. */
  static async start(dir: string): Promise<RsyncDaemon | null> {
    try {
      await run('rsync', ['--version']);
    } catch {
      return null;
    }
    const port = await freePort();
    const root = join(dir, 'module');
    mkdirSync(root, { recursive: true });
    const config = join(dir, 'rsyncd.conf');
    writeFileSync(
      config,
      [
        `port = ${port}`,
        'address = 127.0.0.1',
        'use chroot = no',
        `pid file = ${join(dir, 'rsyncd.pid')}`,
        `log file = ${join(dir, 'rsyncd.log')}`,
        '[bench]',
        `path = ${root}`,
        'read only = no',
        'uid = 0',
        'gid = 0',
        '',
      ].join('\n'),
    );
    const child = spawn('rsync', ['--daemon', '--no-detach', `--config=${config}`], { stdio: 'ignore' });
    const daemon = new RsyncDaemon(child, port, root);
    await daemon.waitReady();
    return daemon;
  }

  /** Puts `oldPath` on the daemon's side, then pushes `newPath` over it as a delta. */
  async transfer(oldPath: string, newPath: string): Promise<RsyncTransfer> {
    copyFileSync(oldPath, join(this.root, 'target'));
    const start = performance.now();
    const { stdout } = await run('rsync', [
      '--no-whole-file',
      '--ignore-times',
      '--stats',
      newPath,
      `rsync://127.0.0.1:${this.port}/bench/target`,
    ]);
    const ms = performance.now() - start;
    const field = (label: string) => {
      const match = stdout.match(new RegExp(`${label}: ([\\d,]+)`));
      if (!match) throw new Error(`rsync --stats printed no "${label}"`);
      return Number(match[1]!.replace(/,/g, ''));
    };
    return {
      wireBytes: field('Total bytes sent') + field('Total bytes received'),
      literalBytes: field('Literal data'),
      ms,
    };
  }

  stop(): void {
    this.process.kill();
  }

  private async waitReady(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await run('rsync', [`rsync://127.0.0.1:${this.port}/`]);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error('rsync daemon did not start within 5 s');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
