// swagger-ui-dist ships no types; we use one function of it, from its own file.
declare module 'swagger-ui-dist/absolute-path.js' {
  /** The folder holding swagger-ui's static files. */
  export default function getAbsoluteFSPath(): string;
}
