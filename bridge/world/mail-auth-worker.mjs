// A worker thread starts without the loader that runs the bridge's TypeScript (tsx, or vitest's
// in tests): it registers tsx itself, then loads the worker proper.
import { register } from 'tsx/esm/api';

register();
await import('./mail-auth-worker.ts');
