/**
 * Image references: `[host[:port]/]repo/path[:tag][@digest]`, as docker and the
 * distribution/reference grammar read them, with Docker Hub's defaults applied.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { SigilError } from '@sigil/core';
import { parseDigest } from './digest.js';

export interface Repository {
  /** Registry as named in references and credential stores (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Repository path inside it (`library/alpine`). */
  readonly repository: string;
}

export interface ImageReference extends Repository {
  /** `latest` when the reference names neither a tag nor a digest. */
  readonly tag?: string;
  /** When present, the digest is what is fetched; the tag only documents where it came from. */
  readonly digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
const DEFAULT_TAG = 'latest';

// distribution/reference grammar (reference/regexp.go).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const NAME_MAX = 255; // distribution's NameTotalLengthMax: domain + "/" + path
const INPUT_MAX = 1024;

function bad(input: string, why: string): SigilError {
  const shown = input.length > 120 ? `${input.slice(0, 120)}…` : input;
  return new SigilError('ERR_BAD_REQUEST', `invalid image reference "${shown}": ${why}`, {
    hint: 'expected [host[:port]/]repository[:tag][@sha256:<hex>]',
  });
}

/** Parse an image reference; a missing tag becomes `latest` unless a digest is given. */
export function parseReference(input: string): ImageReference {
  if (input.length === 0 || input.length > INPUT_MAX) throw bad(input, 'empty or too long');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (cause) {
      throw Object.assign(bad(input, `bad digest "${digest.slice(0, 80)}"`), { cause });
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(input, `bad tag "${tag.slice(0, 130)}"`);
  }
  const { registry, repository } = splitName(rest, input);
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** Parse `[host[:port]/]repository` with no tag or digest. */
export function parseRepository(input: string): Repository {
  if (input.length === 0 || input.length > INPUT_MAX) throw bad(input, 'empty or too long');
  if (input.includes('@')) throw bad(input, 'a repository takes no digest');
  if (input.lastIndexOf(':') > input.lastIndexOf('/')) throw bad(input, 'a repository takes no tag');
  return splitName(input, input);
}

/** Check and normalize a registry name given on its own (`host[:port]`, `docker.io`). */
export function parseRegistry(input: string): string {
  if (input.length === 0 || input.length > 260) throw bad(input, 'empty or too long registry');
  const registry = input.toLowerCase() === 'index.docker.io' ? DOCKER_HUB : input.toLowerCase();
  checkHost(registry, input);
  return registry;
}

function splitName(name: string, input: string): Repository {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // docker's rule: the first component is a host only if it could not be a path component.
  const hasHost = slash >= 0 && (/[.:[]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let registry = hasHost ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (hasHost) checkHost(registry, input);
  if (repository.length === 0) throw bad(input, 'no repository');
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw bad(input, `bad repository component "${component.slice(0, 80)}" (lower-case letters, digits and . _ __ - separators)`);
    }
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (registry.length + 1 + repository.length > NAME_MAX) throw bad(input, `name longer than ${NAME_MAX} characters`);
  return { registry, repository };
}

function checkHost(host: string, input: string): void {
  const { hostname, port } = splitHostPort(host);
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw bad(input, `bad port "${port}"`);
  }
  if (hostname.startsWith('[')) {
    if (!hostname.endsWith(']') || !isIPv6(hostname.slice(1, -1))) throw bad(input, `bad IPv6 host "${hostname}"`);
    return;
  }
  if (hostname.length === 0 || hostname.length > 253 || !hostname.split('.').every((l) => DOMAIN_LABEL.test(l))) {
    throw bad(input, `bad registry host "${hostname}"`);
  }
}

/** Split `host[:port]`; IPv6 hosts keep their brackets. */
export function splitHostPort(host: string): { hostname: string; port?: string } {
  const close = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  if (colon > close) return { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
  return { hostname: host };
}

/** `host[:port]` to connect to: Docker Hub's API is not served at docker.io. */
export function registryEndpoint(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : registry;
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts that may be reached over plain HTTP by default. */
export function isLoopbackHost(host: string): boolean {
  let { hostname } = splitHostPort(host.toLowerCase());
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  if (hostname === 'localhost') return true;
  if (isIPv4(hostname)) return hostname.split('.')[0] === '127';
  if (isIP(hostname) === 6) return new URL(`http://[${hostname}]/`).hostname === '[::1]';
  return false;
}

export function isTag(value: string): boolean {
  return TAG.test(value);
}

/** What goes after `/manifests/`: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

export function formatRepository(repo: Repository): string {
  return `${repo.registry}/${repo.repository}`;
}

export function formatReference(ref: ImageReference): string {
  return `${formatRepository(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The same image pinned to `digest` (tag kept for display). */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  parseDigest(digest);
  return { ...ref, digest };
}
