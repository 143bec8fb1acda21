import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One captured exchange: the request exactly as the official runtime sent it, and the reply it accepted. */
export interface Exchange {
  method: string;
  url: string;
  /** Header names as captured (case kept), in order. */
  headers: Array<[string, string]>;
  /** The request body, byte for byte. */
  body: string;
  status: number;
  reply: string;
}

export const CAPTURE_PATH = fileURLToPath(new URL('../../../shared/conformance/jsonrpc-exchanges.txt', import.meta.url));

/**
 * Parses the capture file: after the '## exchanges' line, each exchange is '>>> <request line>',
 * header lines, a blank line, the body, then '<<< <status>' and the reply body, up to a blank line.
 */
export function readExchanges(path = CAPTURE_PATH): Exchange[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = lines.indexOf('## exchanges');
  if (start < 0) throw new Error('no "## exchanges" section');
  const out: Exchange[] = [];
  let i = start + 1;
  while (i < lines.length) {
    if (!lines[i].startsWith('>>> ')) {
      i++;
      continue;
    }
    const [method, url] = lines[i].slice(4).split(' ');
    i++;
    const headers: Array<[string, string]> = [];
    for (; lines[i] !== ''; i++) {
      const colon = lines[i].indexOf(':');
      headers.push([lines[i].slice(0, colon), lines[i].slice(colon + 1).trim()]);
    }
    i++;
    const body: string[] = [];
    for (; !lines[i].startsWith('<<< '); i++) body.push(lines[i]);
    const status = Number(lines[i].slice(4));
    i++;
    const reply: string[] = [];
    for (; i < lines.length && lines[i] !== '' && !lines[i].startsWith('>>> '); i++) reply.push(lines[i]);
    out.push({ method, url, headers, body: body.join('\n'), status, reply: reply.join('\n') });
  }
  return out;
}

export function headerOf(x: Exchange, name: string): string | undefined {
  return x.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}
