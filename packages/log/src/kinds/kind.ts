/**
 * An entry kind turns a proposed entry (untrusted JSON) into the exact leaf bytes the log
 * appends, after checking its schema and its signature. Admission is pure and synchronous
 * so that it can run in worker threads: nothing here touches storage or the clock.
 */
export interface AdmittedEntry {
  kind: string;
  apiVersion: string;
  /** The canonical leaf bytes (RFC 8785 JSON), byte-for-byte what Rekor stores for the same input. */
  canonical: Buffer;
  /**
   * Search index keys, lowercase: artifact digests (`sha256:<hex>`), public-key hashes
   * (hex SHA-256 of the key as Rekor computes it), and certificate SANs (emails, URIs).
   */
  indexKeys: string[];
}

export interface EntryKind {
  kind: string;
  apiVersion: string;
  /**
   * Schema-check `proposed` (the whole `{apiVersion, kind, spec}` object), verify its
   * signature(s), and canonicalize it. Throws SigilError with ERR_ENTRY_INVALID (schema,
   * naming the field), ERR_ENCODING (bad base64/hex/PEM), ERR_UNSUPPORTED_KEY, or
   * ERR_ENTRY_SIGNATURE (does not verify). Never anything else for bad input.
   */
  admit(proposed: unknown): AdmittedEntry;
}
