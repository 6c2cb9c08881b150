/**
 * TLS secure contexts, made once and shared. Building one parses the key and the certificates each
 * time; per connection that was a good part of what a relayed message cost. One context per lab
 * certificate (the server side of every tap) and one per trusted CA (the client side of taps and
 * the relay) is all the lab ever needs.
 */
import tls from 'node:tls';

/** Far more than the lab uses (its certificate, its CA, a smarthost's CA); a bound all the same. */
const MAX_CONTEXTS = 16;
const contexts = new Map<string, tls.SecureContext>();

function cached(key: string, create: () => tls.SecureContext): tls.SecureContext {
  let context = contexts.get(key);
  if (!context) {
    context = create();
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value ?? '');
    contexts.set(key, context);
  }
  return context;
}

/** The context presenting `certPem` with `keyPem`, for the server side of a handshake. */
export function serverContext(certPem: string, keyPem: string): tls.SecureContext {
  return cached(`server\0${certPem}\0${keyPem}`, () => tls.createSecureContext({ cert: certPem, key: keyPem }));
}

/** The context trusting only `caPem`; without one, the system's CAs (a real smarthost). */
export function clientContext(caPem?: string): tls.SecureContext {
  return cached(`client\0${caPem ?? ''}`, () => tls.createSecureContext(caPem ? { ca: caPem } : {}));
}
