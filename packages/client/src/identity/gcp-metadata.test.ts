import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gcpMetadataToken, mayBeOnGoogleCloud, metadataIdentityUrl } from './gcp-metadata.js';
import { closedPort, fakeJwt, inAnHour, serve } from './test-support.js';

const unknownMachine = () => Promise.resolve(undefined);

describe('GCP metadata provider', () => {
  it('asks metadata.google.internal, or GCE_METADATA_HOST', () => {
    assert.equal(metadataIdentityUrl({}, 'sigstore').href,
      'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity?audience=sigstore&format=full');
    assert.equal(metadataIdentityUrl({ GCE_METADATA_HOST: '127.0.0.1:8089' }, 'sigstore').origin, 'http://127.0.0.1:8089');
    assert.equal(metadataIdentityUrl({ GCE_METADATA_HOST: 'http://meta.local:81' }, 'sig store').search, '?audience=sig+store&format=full');
  });

  it('skips the network on a machine that says it is not Google\'s', async () => {
    assert.equal(await mayBeOnGoogleCloud({}, () => Promise.resolve('ThinkPad X1')), false);
    assert.equal(await mayBeOnGoogleCloud({}, () => Promise.resolve('Google Compute Engine')), true);
    assert.equal(await mayBeOnGoogleCloud({}, () => Promise.resolve('Google')), true);
    assert.equal(await mayBeOnGoogleCloud({}, unknownMachine), true);
    assert.equal(await mayBeOnGoogleCloud({ K_SERVICE: 'svc' }, () => Promise.resolve('gVisor')), true);
    assert.equal(await mayBeOnGoogleCloud({ GCE_METADATA_HOST: 'x' }, () => Promise.resolve('Other')), true);
    assert.equal(await gcpMetadataToken({ env: {}, productName: () => Promise.resolve('Other') }), undefined);
  });

  it('gets a token only from a server that answers as a metadata server', async () => {
    const jwt = fakeJwt({ iss: 'https://accounts.google.com', email: 'sa@p.iam.gserviceaccount.com', aud: 'sigstore', exp: inAnHour() });
    let flavor = true;
    const server = await serve((req, res, _b, url) => {
      if (req.headers['metadata-flavor'] !== 'Google') return void res.writeHead(403).end('missing header');
      if (url.searchParams.get('audience') !== 'sigstore' || url.searchParams.get('format') !== 'full') return void res.writeHead(400).end();
      res.writeHead(200, flavor ? { 'metadata-flavor': 'Google', 'content-type': 'application/text' } : {}).end(jwt);
    });
    try {
      const env = { GCE_METADATA_HOST: new URL(server.url).host };
      const token = await gcpMetadataToken({ env });
      assert.equal(token?.token, jwt);
      assert.equal(token?.source, 'gcp');
      assert.equal(token?.claims.email, 'sa@p.iam.gserviceaccount.com');
      flavor = false;
      assert.equal(await gcpMetadataToken({ env }), undefined, 'an answer without Metadata-Flavor is not a metadata server');
    } finally {
      await server.close();
    }
  });

  it('falls through fast when nothing answers, or answers too slowly', async () => {
    const started = Date.now();
    assert.equal(await gcpMetadataToken({ env: { GCE_METADATA_HOST: `127.0.0.1:${await closedPort()}` } }), undefined);
    const silent = await serve(() => undefined);
    try {
      assert.equal(await gcpMetadataToken({ env: { GCE_METADATA_HOST: new URL(silent.url).host }, probeTimeoutMs: 150 }), undefined);
    } finally {
      await silent.close();
    }
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  it('falls through on an error status, but refuses a malformed token from a real server', async () => {
    let status = 404;
    const server = await serve((_req, res) => void res.writeHead(status, { 'metadata-flavor': 'Google' }).end(status === 200 ? 'not-a-jwt' : 'no service account'));
    try {
      const env = { GCE_METADATA_HOST: new URL(server.url).host };
      assert.equal(await gcpMetadataToken({ env }), undefined);
      status = 200;
      await assert.rejects(gcpMetadataToken({ env }), /^SigilError: the GCP metadata server: the identity token is not a well-formed JWT/);
    } finally {
      await server.close();
    }
  });
});
