import { describe, expect, it } from 'vitest';
import { explainEnhanced } from './enhanced-codes';

describe('enhanced status codes of success', () => {
  it('never reads a 2.x.x detail as a failure', () => {
    expect(explainEnhanced('2.6.0')?.detail).toBe('The message content was accepted.');
    expect(explainEnhanced('2.1.5')?.detail).toMatch(/fine as a recipient/);
    expect(explainEnhanced('2.4.7')?.detail).toBeNull();
    expect(explainEnhanced('2.4.7')?.class).toMatch(/^Success/);
  });

  it('keeps the failure words for 4.x.x and 5.x.x', () => {
    expect(explainEnhanced('5.6.0')?.detail).toMatch(/went wrong/);
    expect(explainEnhanced('4.7.1')?.class).toMatch(/transient/);
  });
});
