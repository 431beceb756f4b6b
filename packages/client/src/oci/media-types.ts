/**
 * Media types of the OCI image spec and Docker's image manifest v2 schema 2, and the
 * RFC 6838 syntax check that every descriptor's media type must pass.
 */

// OCI image spec v1.1 (media-types.md).
export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** OCI 1.1 "empty descriptor": the two bytes `{}`, used as config of artifact manifests. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

// Docker image manifest v2, schema 2.
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONTAINER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_TAR_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Schema 1 is named only to refuse it with a clear message: it has no content digest we could trust. */
export const DOCKER_MANIFEST_SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

export const OCTET_STREAM = 'application/octet-stream';

/** Single-image manifests: a config and layers. */
export const IMAGE_MANIFEST_TYPES: readonly string[] = [OCI_IMAGE_MANIFEST, DOCKER_MANIFEST];
/** Multi-platform manifests: a list of manifests. */
export const INDEX_TYPES: readonly string[] = [OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST];
/** Everything `getManifest` asks for; order is preference (OCI first). */
export const MANIFEST_TYPES: readonly string[] = [OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST];

// RFC 6838 §4.2 restricted-name, plus optional `; name=value` parameters (Sigstore's bundle
// media type carries `;version=0.3`). 255 is the RFC's overall ceiling for type/subtype.
const RESTRICTED_NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
const PARAMETER = `;[ \\t]*${RESTRICTED_NAME}=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\\\\\r\\n]*")`;
const MEDIA_TYPE = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}(?:[ \\t]*${PARAMETER})*$`);

export function isMediaType(value: string): boolean {
  return value.length <= 255 && MEDIA_TYPE.test(value);
}

/** `Content-Type` without parameters, lower-cased: what to compare against the constants above. */
export function essence(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
