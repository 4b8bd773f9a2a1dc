// mailauth ships no types for its header parser (CommonJS, module.exports = fn):
// the function its ARC and DKIM code read Authentication-Results and ARC fields
// with, which the ARC tests (test/security/signed-header-injection) read too.
declare module 'mailauth/lib/parse-dkim-headers.js' {
  const parseDkimHeaders: (header: string | Buffer) => { parsed: Record<string, unknown>; original: string | Buffer };
  export default parseDkimHeaders;
}
