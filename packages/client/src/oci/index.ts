// The OCI distribution client's public surface (test support stays out).
export {
  RegistryClient,
  DEFAULT_MAX_TAGS,
  type RegistryClientOptions,
  type FetchedManifest,
  type ManifestHead,
  type Referrers,
  type ListTagsOptions,
} from './registry.js';
export {
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_CHUNK_BYTES,
  type BlobSource,
  type BlobHead,
  type GetBlobOptions,
  type PushBlobOptions,
  type PushedBlob,
} from './blobs.js';
export {
  parseReference,
  parseRepository,
  parseRegistry,
  formatReference,
  formatRepository,
  manifestReference,
  withDigest,
  registryEndpoint,
  isLoopbackHost,
  isTag,
  DOCKER_HUB,
  type ImageReference,
  type Repository,
} from './reference.js';
export {
  parseManifest,
  isIndex,
  MAX_MANIFEST_BYTES,
  MAX_DESCRIPTORS,
  type Manifest,
  type ImageManifest,
  type ImageIndex,
  type Descriptor,
  type Platform,
} from './manifest.js';
export { parseDigest, isDigest, digestOf, referrersTag, Digester, type DigestAlgorithm, type ParsedDigest } from './digest.js';
export * from './media-types.js';
export { dockerConfigCredentials, dockerConfigPath, type CredentialSource, type RegistryCredentials, type DockerConfigOptions } from './docker-config.js';
export { checkTransportUrl, type TransportOptions } from './transport.js';
