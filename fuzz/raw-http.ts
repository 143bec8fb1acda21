import net from 'node:net';
import tls from 'node:tls';

/**
 * A raw HTTP/1.1 connection: bytes go out exactly as given (malformed request lines, both
 * Content-Length and Transfer-Encoding, bodies dripped byte by byte), responses are read back
 * one by one. Only what this server sends is parsed: a status line, headers, then a
 * Content-Length body, a chunked body, or a body up to the close.
 */
export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
}

export type Next = RawResponse | 'closed' | 'timeout';

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  /** Resolves when the server has closed the connection (or it failed). */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.ended = true;
      this.wake?.();
      resolve();
    }));
    // A reset after the server's answer is still a close; the answer was read before it.
    socket.on('error', () => undefined);
  }

  static open(url: string): Promise<RawConnection> {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    return new Promise((resolve, reject) => {
      const socket = u.protocol === 'https:'
        ? tls.connect({ host: u.hostname, port, rejectUnauthorized: false, servername: net.isIP(u.hostname) ? undefined : u.hostname }, () => resolve(new RawConnection(socket)))
        : net.connect({ host: u.hostname, port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** The next response; `head` for the answer to a HEAD request (no body). */
  async next(timeoutMs: number, opts: { head?: boolean } = {}): Promise<Next> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake?.();
    }, timeoutMs);
    try {
      for (;;) {
        const parsed = this.parse(opts.head ?? false);
        // An interim answer (100 Continue) precedes the real one.
        if (parsed && parsed.status >= 100 && parsed.status < 200 && parsed.status !== 101) continue;
        if (parsed) return parsed;
        if (this.ended) return 'closed';
        if (timedOut) return 'timeout';
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      clearTimeout(timer);
      this.wake = undefined;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(head: boolean): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const rest = this.buffer.subarray(end + 4);
    const noBody = head || status === 204 || status === 304 || (status >= 100 && status < 200);
    let body: Buffer;
    let used: number;
    if (noBody) {
      [body, used] = [Buffer.alloc(0), 0];
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (rest.length < n) return undefined;
      [body, used] = [rest.subarray(0, n), n];
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunked = dechunk(rest);
      if (!chunked) return undefined;
      [body, used] = chunked;
    } else {
      if (!this.ended) return undefined;
      [body, used] = [rest, rest.length];
    }
    this.buffer = rest.subarray(used);
    return { status, headers, body: body.toString('utf8') };
  }
}

/** A whole chunked body and the bytes it took, or undefined while incomplete. */
function dechunk(data: Buffer): [Buffer, number] | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked response');
    if (size === 0) {
      const trailerEnd = data.indexOf('\r\n\r\n', eol);
      return trailerEnd < 0 ? undefined : [Buffer.concat(parts), trailerEnd + 4];
    }
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** One request on a fresh connection, and what came back before the server closed or the time ran out. */
export async function exchange(url: string, request: string | Buffer, timeoutMs: number, opts: { head?: boolean } = {}): Promise<Next> {
  const c = await RawConnection.open(url);
  try {
    c.send(request);
    return await c.next(timeoutMs, opts);
  } finally {
    c.destroy();
  }
}
