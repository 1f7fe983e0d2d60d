// Data files bundled as text modules (wrangler's default module rules import *.txt as a string).
declare module '*.txt' {
  const text: string;
  export default text;
}

// The guides in docs/, bundled as text (the [[rules]] in wrangler.toml) so the console can serve them.
declare module '*.md' {
  const text: string;
  export default text;
}
