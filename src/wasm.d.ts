// wrangler (and the vitest plugin) turn an imported .wasm file into a compiled WebAssembly.Module
// at build time; Workers cannot compile WebAssembly from bytes at run time.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
