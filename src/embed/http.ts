import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A vAPI error answered to a simulation call: its HTTP status and the error body. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    /** The vAPI error kind (`NOT_FOUND`, `INVALID_ARGUMENT`...), when the body is a vAPI error. */
    readonly errorType: string | undefined,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status}${errorType ? ` ${errorType}` : ''}${messageOf(body)}`);
    this.name = 'SimError';
  }
}

function messageOf(body: unknown): string {
  const messages = (body as { messages?: Array<{ default_message?: string }> } | undefined)?.messages;
  const text = Array.isArray(messages) ? messages.map((m) => m.default_message).filter(Boolean).join('; ') : '';
  return text ? `: ${text}` : '';
}

/**
 * How the simulation clients reach the server: one JSON call as the administrator. Plain
 * node:http(s), so that an HTTPS server's own self-signed certificate can be trusted (`ca`)
 * without touching the process-wide TLS settings.
 */
export interface SimTransport {
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export function httpTransport(base: string, auth: { username: string; password: string }, ca?: string): SimTransport {
  const authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return {
    call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const url = new URL(path, base);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { authorization, accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<T>((resolve, reject) => {
        const req = send(url, { method, headers, ...(ca ? { ca } : {}) }, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = text;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(json as T);
            const kind = (json as { error_type?: unknown } | undefined)?.error_type;
            reject(new SimError(status, typeof kind === 'string' ? kind : undefined, json, `${method} ${url.pathname}`));
          });
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
  };
}
