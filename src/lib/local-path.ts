/** A path on this origin: one leading "/", never "//" or "/\" (which browsers read as another host), no control characters. */
export function isLocalPath(path: string): boolean {
  return /^\/(?![/\\])[^\u0000-\u001f\u007f]*$/.test(path);
}
