/**
 * smtp-server builds a TLS context from its key and certificate in its constructor, for every
 * instance. The lab starts one instance per role per lab and one per mail host per world, all with
 * the same lab certificate: a classroom of labs spent more on parsing that key than on mail. This
 * one takes the context every tap already shares.
 */
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { serverContext } from './secure-contexts';

export class SharedContextSMTPServer extends SMTPServer {
  override updateSecureContext(options?: tls.TlsOptions | SMTPServerOptions | null): void {
    Object.assign(this.options, options ?? {});
    const { key, cert } = this.options;
    if (typeof key !== 'string' || typeof cert !== 'string') {
      super.updateSecureContext(options);
      return;
    }
    this.secureContext = new Map([['*', serverContext(cert, key)]]);
  }
}
