// The two socket steps a raw SMTP client of ours takes before and during
// STARTTLS (the probe and the recipient callout), each bounded by a timeout
// and failing as a ProbeStepError that names the step.
import net from 'node:net';
import tls from 'node:tls';
import type { PrimaryServer } from '../../core/model.js';
import { ProbeStepError } from './smtp-reply-reader.js';
import { pinRefusal } from './tls-pins.js';

/** A TCP connection to the primary, or ProbeStepError('connect', …). */
export function connectStep(primary: PrimaryServer, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: primary.host, port: primary.port });
    // Errors after this step reach the reply reader; this keeps a late one from crashing the process.
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProbeStepError('connect', `timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ProbeStepError('connect', err.code ?? err.message));
    });
  });
}

/**
 * The TLS handshake after STARTTLS's 220, or ProbeStepError('TLS', …). With
 * tls "fingerprint" a certificate matching no pin ends it here, before the
 * caller can write anything on it.
 */
export function tlsStep(socket: net.Socket, options: tls.ConnectionOptions, primary: PrimaryServer, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secured = tls.connect({ ...options, socket, host: primary.host });
    secured.on('error', () => undefined);
    const timer = setTimeout(() => {
      secured.destroy();
      reject(new ProbeStepError('TLS', `timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    secured.once('secureConnect', () => {
      clearTimeout(timer);
      const refusal = pinRefusal(secured, primary);
      if (refusal === undefined) return resolve(secured);
      secured.destroy();
      reject(new ProbeStepError('TLS', refusal));
    });
    secured.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(new ProbeStepError('TLS', err.message));
    });
  });
}
