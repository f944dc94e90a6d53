// as-pect runs the core's unit tests (test/assembly/*.spec.ts). The test build places
// AssemblyScript's own data and heap at 64 MiB (as-pect.asconfig.json memoryBase), above every
// region of the core's memory map, so tests drive the real init/tick on the real layout.
export default {
  entries: ["test/assembly/**/*.spec.ts"],
  include: ["test/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
