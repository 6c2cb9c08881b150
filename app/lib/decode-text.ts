/**
 * The browser's TextDecoder for the MIME reader in core/mail, which on its own reads only UTF-8
 * and Latin-1: with it, a part in any charset the browser knows is shown as its sender wrote it.
 */
import type { DecodeText } from '../../core/mail/body-decoding';

export const decodeText: DecodeText = (bytes, charset) => {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
};
