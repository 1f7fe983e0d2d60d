// Argon2id (RFC 9106) for verifying imported password hashes and deriving export keys. The
// implementation is openpgpjs's `argon2id` package: its SIMD .wasm is imported here, so wrangler
// bundles it as a compiled module (Workers refuse to compile WebAssembly from bytes at run time).
// One instance per isolate, made on first use: it reserves 65 MiB of WebAssembly memory, so
// memory costs above 64 MiB are refused (MAX_ARGON2_MEMORY_KIB) to stay within a Worker's 128 MB.
import setupWasm from 'argon2id/lib/setup.js';
import simd from 'argon2id/dist/simd.wasm';
import noSimd from 'argon2id/dist/no-simd.wasm';

export const MAX_ARGON2_MEMORY_KIB = 65_536;
export const MAX_ARGON2_PASSES = 10;

export interface Argon2Params {
  memoryKiB: number;
  passes: number;
  parallelism: number;
}

type Compute = (params: { password: Uint8Array; salt: Uint8Array; parallelism: number; passes: number; memorySize: number; tagLength: number }) => Uint8Array;
let loaded: Promise<Compute> | undefined;

const instantiate = (module: WebAssembly.Module) => async (imports: WebAssembly.Imports) => ({ module, instance: await WebAssembly.instantiate(module, imports) });

/** Argon2id of `password` with `salt`: a tag of `tagLength` bytes. */
export async function argon2id(password: Uint8Array, salt: Uint8Array, params: Argon2Params, tagLength: number): Promise<Uint8Array> {
  if (params.memoryKiB > MAX_ARGON2_MEMORY_KIB || params.passes > MAX_ARGON2_PASSES) throw new Error('Argon2 parameters above the limits');
  loaded ??= setupWasm(instantiate(simd), instantiate(noSimd)) as Promise<Compute>;
  const compute = await loaded;
  return compute({ password, salt, parallelism: params.parallelism, passes: params.passes, memorySize: params.memoryKiB, tagLength });
}
