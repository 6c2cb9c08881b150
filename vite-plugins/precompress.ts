/** After a production build, a brotli and a gzip copy of each text file, for the bridge to serve as they are. */
import type { Plugin } from 'vite';
import { precompressDir } from '../bridge/web/precompressed';

export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'smtp-lab:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      await precompressDir(outDir);
    },
  };
}
