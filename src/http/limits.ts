import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/config.ts';
import { errors, type VapiError } from '../errors.ts';

type LimitConfig = Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs'>;

/**
 * What a slow or flooding client may hold: the request must arrive within the request timeout
 * (its headers within the headers timeout), an idle keep-alive connection is closed after the
 * keep-alive timeout, and `maxConnections` (set on the server by the app) caps the sockets.
 * `node` goes to http(s).createServer: Node checks the two request timeouts every
 * `connectionsCheckingInterval` (30 s by default, far too coarse for a 200 ms test timeout).
 */
export function limitOptions(config: LimitConfig): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout' | 'clientErrorHandler'> & { node: ServerOptions } {
  const request = config.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout.
  const headers = request > 0 ? Math.min(config.headersTimeoutMs, request) : config.headersTimeoutMs;
  const shortest = request > 0 ? Math.min(request, headers) : headers;
  return {
    requestTimeout: request,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    clientErrorHandler: answerClientError,
    node: {
      requestTimeout: request,
      headersTimeout: headers,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(shortest / 4))),
      // Node answers an HTTP/1.1 request without Host with a bare 400 of its own, outside the
      // vAPI shape; the host is not used here, so such a request is served like any other.
      requireHostHeader: false,
    },
  };
}

/**
 * Node's HTTP parser found the request unreadable (bad bytes in the request line or headers,
 * both Content-Length and Transfer-Encoding, an unknown HTTP version, headers over the size
 * limit) or it did not arrive in time. There is no request object, so the answer is written to
 * the socket: a vAPI INVALID_REQUEST, and `Connection: close`, because nothing after the bad
 * bytes can be trusted as the next request.
 */
function answerClientError(this: FastifyInstance, err: NodeJS.ErrnoException & { reason?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || socket.destroyed) return;
  // Once a response has begun on this socket nothing more can be written in HTTP terms
  // (Node's own handler makes the same check on the same field).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || socket.writableEnded || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  this.log.debug({ code: err.code, reason: err.reason }, 'unreadable request');
  answerOnSocket(socket, errors.invalidRequest(describe(err)));
}

/**
 * CONNECT (a proxy tunnel request) never reaches the router: Node hands it to 'connect'
 * listeners and, without one, drops the connection unanswered.
 */
export function refuseConnect(server: Server): void {
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    answerOnSocket(socket, errors.operationNotFound(`No operation at CONNECT ${String(req.url).slice(0, 200)}.`));
  });
}

/** A vAPI error written straight to the socket, which is then closed. */
function answerOnSocket(socket: Socket, e: VapiError): void {
  const body = JSON.stringify(e.toBody());
  const head = [
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

function describe(err: NodeJS.ErrnoException & { reason?: string }): string {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'The request did not arrive within the time the server allows; the connection is closed.';
    case 'HPE_HEADER_OVERFLOW':
      return `The request line and headers are larger than ${maxHeaderSize} bytes.`;
    default:
      return `The request is not valid HTTP/1.1${err.reason ? `: ${err.reason}` : ''}.`;
  }
}
