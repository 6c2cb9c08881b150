import { describe, it, expect } from 'vitest';
import { decodeBase64 } from './base64';

describe('decodeBase64', () => {
  it('decodes the AUTH LOGIN prompts', () => {
    expect(decodeBase64('VXNlcm5hbWU6')).toBe('Username:');
    expect(decodeBase64('UGFzc3dvcmQ6')).toBe('Password:');
  });

  it('reads UTF-8', () => {
    expect(decodeBase64('w6lsw6h2ZQ==')).toBe('élève');
  });

  it('rejects text that is not base64', () => {
    expect(decodeBase64('abc')).toBeNull();
    expect(decodeBase64('ab=c')).toBeNull();
    expect(decodeBase64('ab!c')).toBeNull();
  });
});
