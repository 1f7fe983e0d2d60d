// Data files bundled as text modules (wrangler's default module rules import *.txt as a string).
declare module '*.txt' {
  const text: string;
  export default text;
}
