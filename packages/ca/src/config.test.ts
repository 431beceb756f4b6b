import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { addIssuer, addMetaIssuer, defaultIssuerConfig, IssuerRegistry, metaIssuerPattern, parseIssuerConfig } from './config.js';
import { parseTemplate } from './issuers/template.js';

const configError = (re: RegExp) => (e: unknown) => isSigilError(e) && e.code === 'ERR_CONFIG' && re.test(e.message);

void test('meta-issuer patterns are anchored and * matches one [-_a-zA-Z0-9]+ run (GHSA-59jp-pj84-45mr)', () => {
  const eks = metaIssuerPattern('https://oidc.eks.*.amazonaws.com/id/*');
  assert.ok(eks.test('https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB'));
  for (const evil of [
    'https://evil.example/?x=https://oidc.eks.us-west-2.amazonaws.com/id/B02C',
    'https://evil.example/https://oidc.eks.us-west-2.amazonaws.com/id/B02C',
    'https://oidc.eks.us-west-2.amazonaws.com/id/B02C/../../evil',
    'https://oidc.eks.us-west-2.amazonaws.com/id/B02C?x=1',
    'https://oidc.eks.us-west-2.amazonaws.com/id/B02C.evil.example',
    'https://oidc.eks.a.b.amazonaws.com/id/B02C',
    'https://oidc.eksXus.amazonaws.com/id/B02C',
    'https://oidc.eks..amazonaws.com/id/B02C',
    'https://oidc.eks.us-west-2.amazonaws.com/id/',
    'https://oidc.eks.us-west-2.amazonaws.com.evil.example/id/B02C',
    'https://oidc.eks.us-west-2.amazonaws.com/id/B02C\n',
  ]) {
    assert.equal(eks.test(evil), false, evil);
  }
  const gke = metaIssuerPattern('https://container.googleapis.com/v1/projects/*/locations/*/clusters/*');
  assert.ok(gke.test('https://container.googleapis.com/v1/projects/mattmoor-credit/locations/us-west1-b/clusters/tenant-cluster'));
  // Regex metacharacters in the pattern are literal.
  assert.equal(metaIssuerPattern('https://a.example/(x)+/*').test('https://a.example/(x)+/y'), true);
  assert.equal(metaIssuerPattern('https://a.example/(x)+/*').test('https://a.example/xx/y'), false);
});

void test('the registry resolves exact issuers first, then meta-issuers, with their settings', () => {
  const reg = IssuerRegistry.from({
    OIDCIssuers: { 'https://token.actions.githubusercontent.com': { Type: 'github-workflow' } },
    MetaIssuers: {
      'https://oidc.eks.*.amazonaws.com/id/*': { Type: 'kubernetes', ClientID: 'aud-k8s' },
      'https://token.actions.githubusercontent.com/*': { Type: 'ci-provider', CIProvider: 'gh' },
    },
    CIIssuerMetadata: { gh: { SubjectAlternativeNameTemplate: 'https://github.com/{{ .job_workflow_ref }}', ExtensionTemplates: { BuildSignerDigest: 'job_workflow_sha' } } },
  });
  assert.equal(reg.resolve('https://token.actions.githubusercontent.com')?.Type, 'github-workflow');
  const ent = reg.resolve('https://token.actions.githubusercontent.com/acme');
  assert.equal(ent?.Type, 'ci-provider');
  assert.equal(ent?.IssuerURL, 'https://token.actions.githubusercontent.com/acme');
  assert.equal(ent?.ci?.provider, 'gh', 'the meta-issuer keeps its CI provider');
  const k = reg.resolve('https://oidc.eks.eu-west-1.amazonaws.com/id/ABC');
  assert.deepEqual([k?.Type, k?.ClientID, k?.wildcard], ['kubernetes', 'aud-k8s', 'https://oidc.eks.*.amazonaws.com/id/*']);
  assert.equal(reg.resolve('https://evil.example/?https://oidc.eks.eu-west-1.amazonaws.com/id/ABC'), undefined);
  assert.equal(reg.resolve('__proto__'), undefined);
  assert.equal(reg.resolve('constructor'), undefined);
  assert.deepEqual(reg.toConfiguration().issuers, [
    { issuerUrl: 'https://token.actions.githubusercontent.com', audience: 'sigstore', challengeClaim: 'sub', issuerType: 'github-workflow' },
    { wildcardIssuerUrl: 'https://oidc.eks.*.amazonaws.com/id/*', audience: 'aud-k8s', challengeClaim: 'sub', issuerType: 'kubernetes' },
    { wildcardIssuerUrl: 'https://token.actions.githubusercontent.com/*', audience: 'sigstore', challengeClaim: 'sub', issuerType: 'ci-provider' },
  ]);
});

void test('configurations are validated strictly', () => {
  assert.deepEqual(parseIssuerConfig('{}'), defaultIssuerConfig());
  const ok = parseIssuerConfig(JSON.stringify({ OIDCIssuers: { 'https://accounts.google.com': { IssuerURL: 'https://accounts.google.com', ClientID: 'sigstore', Type: 'email', Contact: 'x', Description: 'y' } } }));
  assert.equal(ok.OIDCIssuers['https://accounts.google.com']?.Type, 'email');
  const bad: Array<[unknown, RegExp]> = [
    ['not json', /not valid JSON/],
    [[], /must be an object/],
    [{ Issuers: {} }, /unknown key "Issuers"/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'email', Extra: 1 } } }, /unknown key "Extra"/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'codefresh-workflow' } } }, /not supported/],
    [{ OIDCIssuers: { 'https://a.example': {} } }, /Type null is not supported/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'email', ClientID: '' } } }, /ClientID must be a non-empty string/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'email', IssuerURL: 'https://b.example' } } }, /differs from its key/],
    [{ OIDCIssuers: { 'ftp://a.example': { Type: 'email' } } }, /must be http\(s\)/],
    [{ OIDCIssuers: { 'a.example': { Type: 'email' } } }, /not an absolute URL/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'github-workflow', IssuerClaim: '$.x' } } }, /only email issuers/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'email', SkipEmailVerification: 'yes' } } }, /must be a boolean/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'spiffe' } } }, /SPIFFETrustDomain/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'uri' } } }, /SubjectDomain/],
    [{ OIDCIssuers: { 'https://accounts.a.example': { Type: 'uri', SubjectDomain: 'https://b.example' } } }, /do not match/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'username', SubjectDomain: 'https://a.example' } } }, /bare domain/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'ci-provider' } } }, /needs CIProvider/],
    [{ OIDCIssuers: { 'https://a.example': { Type: 'ci-provider', CIProvider: 'x' } } }, /no CIIssuerMetadata/],
    [{ MetaIssuers: { 'https://a.example/x': { Type: 'email' } } }, /needs at least one \*/],
    [{ MetaIssuers: { 'https://*.example': { Type: 'spiffe', SPIFFETrustDomain: 'x' } } }, /SPIFFE meta-issuers/],
    [{ MetaIssuers: { 'https://*.example': { Type: 'email', IssuerURL: 'https://a.example' } } }, /IssuerURL is not allowed/],
    [{ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: '{{ .a | b }}' } } }, /unsupported template action/],
    [{ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: '{{if eq .a "b"}}x' } } }, /without \{\{end\}\}/],
    [{ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: 'https://x/{{ .a' } } }, /unterminated/],
    [{ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: '' } } }, /SubjectAlternativeNameTemplate/],
    [{ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: 'sub', ExtensionTemplates: { Issuer: 'iss' } } } }, /always come from the token/],
    [{ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: 'sub', ExtensionTemplates: { 'build-signer-urn': 'x' } } } }, /unknown extension/],
  ];
  for (const [input, re] of bad) assert.throws(() => parseIssuerConfig(typeof input === 'string' ? input : input), configError(re), JSON.stringify(input));
});

void test('addIssuer and addMetaIssuer return validated copies', () => {
  const base = defaultIssuerConfig();
  const one = addIssuer(base, { IssuerURL: 'https://a.example', Type: 'email' });
  assert.deepEqual(base.OIDCIssuers, {});
  assert.deepEqual(one.OIDCIssuers['https://a.example'], { IssuerURL: 'https://a.example', ClientID: 'sigstore', Type: 'email' });
  const two = addMetaIssuer(one, 'https://*.b.example', { Type: 'kubernetes' });
  assert.equal(new IssuerRegistry(two).resolve('https://x.b.example')?.Type, 'kubernetes');
  assert.throws(() => addIssuer(one, { IssuerURL: 'https://c.example', Type: 'uri' }), configError(/SubjectDomain/));
});

void test('templates: fields, index, if/eq/else, literal claim names and missing keys', () => {
  const data = new Map([['url', 'https://gitlab.com'], ['ref_type', 'branch'], ['ref', 'main'], ['oidc.circleci.com/ssh-rerun', 'true'], ['plain', 'v']]);
  assert.equal(parseTemplate('refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}').render(data), 'refs/heads/main');
  assert.equal(parseTemplate('refs/{{if eq .ref_type "tag"}}tags/{{else}}heads/{{end}}{{.ref}}').render(data), 'refs/heads/main');
  assert.equal(parseTemplate(`{{if eq (index . "oidc.circleci.com/ssh-rerun") "true"}}ssh-rerun{{ else }}""{{end}}`).render(data), 'ssh-rerun');
  assert.equal(parseTemplate('{{ index . "oidc.circleci.com/ssh-rerun" }}').render(data), 'true');
  assert.equal(parseTemplate('plain').render(data), 'v', 'no {{ }}: a claim name');
  assert.throws(() => parseTemplate('{{ .missing }}').render(data), /value <missing> not present/);
  assert.throws(() => parseTemplate('missing').render(data), /value <missing> not present/);
});
