import { tokenRejected } from '../messages.js';
import { renderExtensions } from './extensions.js';
import { issuerOf, subjectOf, type Claims, type Principal } from './principal.js';

/**
 * `kubernetes` issuers (service-account tokens): SAN URI
 * `https://kubernetes.io/namespaces/<namespace>/serviceaccounts/<name>` from the
 * `kubernetes.io` claim; the challenge is `sub`.
 */
export function kubernetesPrincipal(claims: Claims): Principal {
  const k8s = claims['kubernetes.io'];
  const get = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined);
  const namespace = get(k8s, 'namespace');
  const account = get(get(k8s, 'serviceaccount'), 'name');
  const segment = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/; // Kubernetes object names (RFC 1123 subdomain)
  if (typeof namespace !== 'string' || !segment.test(namespace)) throw tokenRejected('missing or invalid kubernetes.io.namespace claim in ID token');
  if (typeof account !== 'string' || !segment.test(account)) throw tokenRejected('missing or invalid kubernetes.io.serviceaccount.name claim in ID token');
  return {
    san: { type: 'uri', value: `https://kubernetes.io/namespaces/${namespace}/serviceaccounts/${account}` },
    challenge: subjectOf(claims),
    extensions: renderExtensions(issuerOf(claims)),
  };
}
