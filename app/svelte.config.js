// Svelte 5 compiles `lang="ts"` itself; no preprocessor needed.
export default {
  compilerOptions: { runes: true },
};
