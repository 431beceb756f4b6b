// Everything, for library users. The CLI imports the subpaths (`@sigil/client/verify`,
// `/sign`, `/keys`, `/tuf`, `/identity`, `/image`, `/oci`) so each command loads only what it runs.
export * from './verifier.js';
export * from './sign/index.js';
export * from './keys/index.js';
export * from './tuf/index.js';
export * from './identity/index.js';
export * from './image/index.js';
export * from './oci/index.js';
