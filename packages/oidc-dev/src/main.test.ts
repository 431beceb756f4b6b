import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveOidc } from './main.js';

const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

describe('serveOidc', () => {
  it('serves both issuers on one loopback port and nothing else', async () => {
    const server = await serveOidc({ port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.dev.loginIssuer, `${server.url}/oidc`);
      assert.equal(server.dev.ciIssuer, `${server.url}/ci`);
      const index = await json(fetch(`${server.url}/`));
      assert.deepEqual([index.loginIssuer, index.ciIssuer], [server.dev.loginIssuer, server.dev.ciIssuer]);
      assert.equal((await json(fetch(`${server.dev.loginIssuer}/.well-known/openid-configuration`))).issuer, server.dev.loginIssuer);
      assert.equal((await json(fetch(`${server.dev.ciIssuer}/.well-known/openid-configuration`))).issuer, server.dev.ciIssuer);
      assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it('publishes the configured base URL as the issuers’ origin', async () => {
    const server = await serveOidc({ port: 0, baseUrl: 'http://oidc.test:9999/' });
    try {
      assert.equal(server.url, 'http://oidc.test:9999');
      assert.equal(server.dev.loginIssuer, 'http://oidc.test:9999/oidc');
      assert.equal(server.dev.ciEnv().ACTIONS_ID_TOKEN_REQUEST_URL, 'http://oidc.test:9999/ci/token?job=default');
    } finally {
      await server.close();
    }
  });
});
