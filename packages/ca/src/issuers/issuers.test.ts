import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { IssuerRegistry, type IssuerConfigInput } from '../config.js';
import { issueLeaf } from '../certificate.js';
import { ephemeralCaSigner } from '../key-backend/ephemeral.js';
import type { CaSigner } from '../key-backend/signer.js';
import { extensionsOf, sanOf, sigstoreExtensionsOf, vectorPath, x509 } from '../test-support.js';
import { GITHUB_REQUIRED_CLAIMS, GITLAB_REQUIRED_CLAIMS, principalFromClaims, type Claims, type Principal } from './index.js';

type Expected = Record<string, { value: string; encoding: 'raw' | 'utf8string' }>;
const readVector = <T>(name: string): T => JSON.parse(readFileSync(vectorPath('oidc', name), 'utf8')) as T;

const GH = 'https://token.actions.githubusercontent.com';
const GL = 'https://gitlab.com';

/** The github-workflow and gitlab-pipeline templates of Fulcio's config/identity/config.yaml, in the JSON form. */
const CI_METADATA: IssuerConfigInput['CIIssuerMetadata'] = {
  'github-workflow': {
    DefaultTemplateValues: { url: 'https://github.com', environment: '' },
    ExtensionTemplates: {
      'github-workflow-trigger': 'event_name',
      'github-workflow-sha': 'sha',
      'github-workflow-name': 'workflow',
      'github-workflow-repository': 'repository',
      'github-workflow-ref': 'ref',
      'build-signer-uri': '{{ .url }}/{{ .job_workflow_ref }}',
      'build-signer-digest': 'job_workflow_sha',
      'runner-environment': 'runner_environment',
      'source-repository-uri': '{{ .url }}/{{ .repository }}',
      'source-repository-digest': 'sha',
      'source-repository-ref': 'ref',
      'source-repository-identifier': 'repository_id',
      'source-repository-owner-uri': '{{ .url }}/{{ .repository_owner }}',
      'source-repository-owner-identifier': 'repository_owner_id',
      'build-config-uri': '{{ .url }}/{{ .workflow_ref }}',
      'build-config-digest': 'workflow_sha',
      'build-trigger': 'event_name',
      'run-invocation-uri': '{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}',
      'source-repository-visibility-at-signing': 'repository_visibility',
      'deployment-environment': 'environment',
    },
    SubjectAlternativeNameTemplate: '{{ .url }}/{{ .job_workflow_ref }}',
  },
  'gitlab-pipeline': {
    DefaultTemplateValues: { url: 'https://gitlab.com', environment: '' },
    ExtensionTemplates: {
      'build-signer-uri': 'https://{{ .ci_config_ref_uri }}',
      'build-signer-digest': 'ci_config_sha',
      'runner-environment': 'runner_environment',
      'source-repository-uri': '{{ .url }}/{{ .project_path }}',
      'source-repository-digest': 'sha',
      'source-repository-ref': 'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}',
      'source-repository-identifier': 'project_id',
      'source-repository-owner-uri': '{{ .url }}/{{ .namespace_path }}',
      'source-repository-owner-identifier': 'namespace_id',
      'build-config-uri': 'https://{{ .ci_config_ref_uri }}',
      'build-config-digest': 'ci_config_sha',
      'build-trigger': 'pipeline_source',
      'run-invocation-uri': '{{ .url }}/{{ .project_path }}/-/jobs/{{ .job_id }}',
      'source-repository-visibility-at-signing': 'project_visibility',
      'deployment-environment': 'environment',
    },
    SubjectAlternativeNameTemplate: 'https://{{ .ci_config_ref_uri }}',
  },
};

/** The same issuers twice: by their dedicated type, and as Fulcio's public instance runs them (ci-provider). */
const byType = IssuerRegistry.from({
  OIDCIssuers: {
    [GH]: { Type: 'github-workflow' },
    [GL]: { Type: 'gitlab-pipeline' },
    'https://accounts.example.com': { Type: 'email' },
    'https://oauth2.sigstore.dev/auth': { Type: 'email', IssuerClaim: '$.federated_claims.connector_id' },
    'https://spire.example.org': { Type: 'spiffe', SPIFFETrustDomain: 'example.org' },
    'https://kubernetes.default.svc': { Type: 'kubernetes' },
    'https://accounts.example.net': { Type: 'uri', SubjectDomain: 'https://example.net' },
    'https://login.example.io': { Type: 'username', SubjectDomain: 'example.io' },
    'https://agent.buildkite.com': { Type: 'buildkite-job' },
  },
});
const byTemplates = IssuerRegistry.from({
  OIDCIssuers: { [GH]: { Type: 'ci-provider', CIProvider: 'github-workflow' }, [GL]: { Type: 'ci-provider', CIProvider: 'gitlab-pipeline' } },
  CIIssuerMetadata: CI_METADATA,
});
const REGISTRIES = [['by type', byType], ['by ci-provider templates', byTemplates]] as const;

let signer: CaSigner;
const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
before(async () => {
  signer = await ephemeralCaSigner();
});

function principal(registry: IssuerRegistry, claims: Claims): Principal {
  const issuer = registry.resolve(claims.iss as string);
  assert.ok(issuer, `issuer ${String(claims.iss)} configured`);
  return principalFromClaims(issuer, claims);
}

const now = new Date('2026-03-01T12:00:00.250Z');
async function issue(p: Principal): Promise<x509.X509Certificate> {
  return issueLeaf(signer, { publicKey: spki, principal: p, now, randomBytes: (n) => Buffer.alloc(n, 0xff) });
}

/** Fulcio's leaf profile, checked on the DER. */
async function assertFulcioLeaf(cert: x509.X509Certificate): Promise<void> {
  const node = new X509Certificate(Buffer.from(cert.rawData));
  assert.equal(Buffer.from(cert.subjectName.toArrayBuffer()).toString('hex'), '3000', 'empty subject');
  assert.equal(cert.issuer, signer.chain[0]!.subject);
  assert.equal(cert.notBefore.toISOString(), '2026-03-01T12:00:00.000Z');
  assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 10 * 60 * 1000);
  assert.equal(node.serialNumber, `7F${'FF'.repeat(19)}`, '160-bit positive serial');
  assert.ok(await cert.verify({ publicKey: signer.chain[0]!.publicKey, signatureOnly: true }));
  const ext = extensionsOf(cert);
  assert.deepEqual([...ext.keys()].slice(0, 5), ['2.5.29.15', '2.5.29.37', '2.5.29.14', '2.5.29.35', '2.5.29.17']);
  assert.deepEqual(ext.get('2.5.29.15'), { critical: true, value: Buffer.from('03020780', 'hex') }, 'KeyUsage digitalSignature only, critical');
  assert.equal(ext.get('2.5.29.37')!.value.toString('hex'), '300a06082b06010505070303', 'EKU codeSigning only');
  const issuerSki = signer.chain[0]!.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  assert.equal(ext.get('2.5.29.35')!.value.toString('hex'), `30168014${issuerSki}`, 'AKI = issuer SKI');
  assert.equal(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId, Buffer.from(await cert.publicKey.getKeyIdentifier('SHA-1')).toString('hex'), 'SKI');
  assert.equal(sanOf(cert).critical, true);
  assert.equal(sanOf(cert).count, 1);
  assert.equal(ext.has('2.5.29.19'), false, 'no basicConstraints on a leaf');
}

void test('GitHub Actions principal-test vector: SAN and every extension, both mappings', async () => {
  const v = readVector<{ claims: Claims; expectedSubjectAlternativeName_derivedBySigil: string; expectedExtensions_derivedBySigil: { extensions: Expected } }>('github-actions.fulcio-principal-test.json');
  for (const [name, registry] of REGISTRIES) {
    const p = principal(registry, v.claims);
    assert.equal(p.challenge, v.claims.sub, `${name}: the challenge is sub`);
    const cert = await issue(p);
    await assertFulcioLeaf(cert);
    assert.deepEqual(sanOf(cert), { type: 'uri', value: v.expectedSubjectAlternativeName_derivedBySigil, critical: true, count: 1 }, name);
    assert.deepEqual(sigstoreExtensionsOf(cert), v.expectedExtensions_derivedBySigil.extensions, name);
  }
});

void test('GitHub Actions: every upstream "missing claim" case (and every claim Fulcio requires) is refused', () => {
  const v = readVector<{ claims: Claims; requiredClaims_upstream: { claims: string[] } }>('github-actions.fulcio-principal-test.json');
  const all = new Set([...v.requiredClaims_upstream.claims, ...GITHUB_REQUIRED_CLAIMS]);
  assert.equal(all.size, GITHUB_REQUIRED_CLAIMS.length, 'the upstream list is a subset of ours');
  for (const claim of all) {
    for (const [name, registry] of REGISTRIES) {
      const claims: Record<string, unknown> = { ...v.claims };
      delete claims[claim];
      assert.throws(() => principal(registry, claims), (e: unknown) => isSigilError(e) && e.code === 'ERR_TOKEN_INVALID' && e.httpStatus === 400 && e.message.includes(claim) && e.message.startsWith('There was an error processing the identity token: '), `${name}: without ${claim}`);
    }
    // An empty value is missing too for the dedicated principal (Go reads claims into strings).
    assert.throws(() => principal(byType, { ...v.claims, [claim]: '' }), /missing/);
    assert.throws(() => principal(byType, { ...v.claims, [claim]: 42 }), /must be a string/);
  }
});

void test('ciprovider TestEmbed vector: .23 only with an environment claim, both mappings', async () => {
  const v = readVector<{ cases: Array<{ name: string; claims: Claims; expectedExtensions: Expected; mustBeAbsent?: string[] }> }>('github-actions.fulcio-ciprovider-embed.json');
  assert.equal(v.cases.length, 2);
  for (const c of v.cases) {
    for (const [name, registry] of REGISTRIES) {
      const cert = await issue(principal(registry, { iss: GH, sub: 'repo:repository:ref:ref', ...c.claims }));
      const got = sigstoreExtensionsOf(cert);
      assert.deepEqual(got, c.expectedExtensions, `${c.name} (${name})`);
      for (const oid of c.mustBeAbsent ?? []) assert.equal(got[oid], undefined);
      assert.equal(sanOf(cert).value, 'https://github.com/jobWorkflowRef');
    }
  }
});

void test('GitLab CI vector: SAN and every extension, both mappings; missing claims refused', async () => {
  const v = readVector<{ claims: Claims; expectedSubjectAlternativeName_derivedBySigil: string; expectedExtensions: { extensions: Expected } }>('gitlab-ci.fulcio-principal-test.json');
  for (const [name, registry] of REGISTRIES) {
    const cert = await issue(principal(registry, v.claims));
    await assertFulcioLeaf(cert);
    assert.deepEqual(sanOf(cert), { type: 'uri', value: v.expectedSubjectAlternativeName_derivedBySigil, critical: true, count: 1 }, name);
    // The vector lists what gitlabcom TestEmbed asserts. Fulcio's Extensions.Render also
    // always writes the deprecated issuer OID .1 (raw) beside .8, for every issuer type.
    const expected = { '1.3.6.1.4.1.57264.1.1': { value: GL, encoding: 'raw' as const }, ...v.expectedExtensions.extensions };
    assert.deepEqual(sigstoreExtensionsOf(cert), expected, name);
  }
  const tag = sigstoreExtensionsOf(await issue(principal(byType, { ...v.claims, ref_type: 'tag', ref: 'v1' })));
  assert.equal(tag['1.3.6.1.4.1.57264.1.14']!.value, 'refs/tags/v1');
  for (const claim of [...GITLAB_REQUIRED_CLAIMS, 'runner_id']) {
    const claims: Record<string, unknown> = { ...v.claims };
    delete claims[claim];
    assert.throws(() => principal(byType, claims), (e: unknown) => isSigilError(e) && e.message.includes(`missing ${claim} claim`), claim);
  }
  assert.throws(() => principal(byType, { ...v.claims, ref_type: 'merge' }), /unexpected ref_type/);
});

void test('a real public-good leaf: the claims its extensions imply map back to exactly its extensions', async () => {
  const v = readVector<{ subjectAltName_URI: string[]; extensions: Expected }>('github-actions.real-fulcio-cert-extensions.json');
  const e = (n: number) => v.extensions[`1.3.6.1.4.1.57264.1.${n}`]!.value;
  const strip = (s: string) => s.replace('https://github.com/', '');
  const run = /\/actions\/runs\/(\d+)\/attempts\/(\d+)$/.exec(e(21))!;
  const claims = {
    iss: e(1), sub: 'repo:salrashid123/go-bazel-github-workflow:ref:refs/tags/v0.0.30', event_name: e(2), sha: e(3), workflow: e(4), repository: e(5), ref: e(6),
    job_workflow_ref: strip(e(9)), job_workflow_sha: e(10), runner_environment: e(11), repository_id: e(15), repository_owner: strip(e(16)),
    repository_owner_id: e(17), workflow_ref: strip(e(18)), workflow_sha: e(19), run_id: run[1], run_attempt: run[2], repository_visibility: e(22),
  };
  for (const [, registry] of REGISTRIES) {
    const cert = await issue(principal(registry, claims));
    assert.deepEqual(sigstoreExtensionsOf(cert), v.extensions);
    assert.deepEqual([sanOf(cert).value], v.subjectAltName_URI);
  }
});

void test('email, federated email, spiffe, kubernetes, uri, username and buildkite principals', async () => {
  const email = await issue(principal(byType, { iss: 'https://accounts.example.com', sub: '123', email: 'ada@example.com', email_verified: true }));
  assert.deepEqual(sanOf(email), { type: 'email', value: 'ada@example.com', critical: true, count: 1 });
  assert.deepEqual(sigstoreExtensionsOf(email), {
    '1.3.6.1.4.1.57264.1.1': { value: 'https://accounts.example.com', encoding: 'raw' },
    '1.3.6.1.4.1.57264.1.8': { value: 'https://accounts.example.com', encoding: 'utf8string' },
  });
  assert.equal(principal(byType, { iss: 'https://accounts.example.com', email: 'ada@example.com', email_verified: true }).challenge, 'ada@example.com');
  for (const bad of [false, 'true', 'false', undefined]) {
    assert.throws(() => principal(byType, { iss: 'https://accounts.example.com', email: 'ada@example.com', email_verified: bad }), /email not verified/);
  }
  assert.throws(() => principal(byType, { iss: 'https://accounts.example.com', email: 'not-an-address', email_verified: true }), /email address is not valid/);

  const dex = principal(byType, { iss: 'https://oauth2.sigstore.dev/auth', email: 'ada@example.com', email_verified: true, federated_claims: { connector_id: 'https://github.com/login/oauth' } });
  assert.deepEqual(dex.extensions.map((x) => x.value), ['https://github.com/login/oauth', 'https://github.com/login/oauth']);
  assert.throws(() => principal(byType, { iss: 'https://oauth2.sigstore.dev/auth', email: 'ada@example.com', email_verified: true }), /issuer claim/);

  const spiffe = principal(byType, { iss: 'https://spire.example.org', sub: 'spiffe://example.org/ns/prod/sa/builder' });
  assert.deepEqual(spiffe.san, { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/builder' });
  assert.throws(() => principal(byType, { iss: 'https://spire.example.org', sub: 'spiffe://evil.org/x' }), /trust domain/);
  assert.throws(() => principal(byType, { iss: 'https://spire.example.org', sub: 'spiffe://example.org/../x' }), /invalid spiffe ID/);

  const k8s = principal(byType, { iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:default:builder', 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'builder' } } });
  assert.deepEqual(k8s.san, { type: 'uri', value: 'https://kubernetes.io/namespaces/default/serviceaccounts/builder' });
  assert.equal(k8s.challenge, 'system:serviceaccount:default:builder');
  assert.throws(() => principal(byType, { iss: 'https://kubernetes.default.svc', sub: 'x', 'kubernetes.io': { namespace: 'default' } }), /serviceaccount/);

  assert.deepEqual(principal(byType, { iss: 'https://accounts.example.net', sub: 'https://example.net/users/ada' }).san, { type: 'uri', value: 'https://example.net/users/ada' });
  assert.throws(() => principal(byType, { iss: 'https://accounts.example.net', sub: 'https://evil.net/users/ada' }), /hostname/);
  assert.throws(() => principal(byType, { iss: 'https://accounts.example.net', sub: 'ada@example.net' }), /email address/);

  const user = await issue(principal(byType, { iss: 'https://login.example.io', sub: 'ada' }));
  assert.deepEqual(sanOf(user), { type: 'otherName', value: 'ada!example.io', critical: true, count: 1 });
  assert.throws(() => principal(byType, { iss: 'https://login.example.io', sub: 'a!b' }), /cannot contain !/);

  const bk = principal(byType, { iss: 'https://agent.buildkite.com', sub: 'organization:acme:pipeline:app', organization_slug: 'acme', pipeline_slug: 'app' });
  assert.deepEqual(bk.san, { type: 'uri', value: 'https://buildkite.com/acme/app' });
  assert.throws(() => principal(byType, { iss: 'https://agent.buildkite.com', sub: 'x', organization_slug: 'acme' }), /missing pipeline_slug/);

  // A non-ASCII SAN cannot be an IA5String: refused, not mangled.
  assert.throws(() => principal(byType, { iss: 'https://accounts.example.com', email: 'adä@example.com', email_verified: true }), /IA5String/);
  // Raw extensions carry UTF-8 bytes as they are; UTF8String ones are DER.
  const gh = readVector<{ claims: Claims }>('github-actions.fulcio-principal-test.json').claims;
  const uni = sigstoreExtensionsOf(await issue(principal(byType, { ...gh, workflow: 'Relëase ✓' })));
  assert.deepEqual(uni['1.3.6.1.4.1.57264.1.4'], { value: 'Relëase ✓', encoding: 'raw' });
});
