import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { deviceToken, type DeviceCodePrompt } from './device.js';
import { startFakeIssuer, type FakeIssuer } from './test-support.js';

describe('device flow', () => {
  let fake: FakeIssuer;
  let waits: number[];
  let prompts: DeviceCodePrompt[];
  const sleep = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };
  const run = (extra: Partial<Parameters<typeof deviceToken>[0]> = {}) =>
    deviceToken({ issuer: fake.issuer, onDeviceCode: (p) => prompts.push(p), sleep, ...extra });

  before(async () => {
    fake = await startFakeIssuer();
  });
  after(() => fake.close());
  beforeEach(() => {
    waits = [];
    prompts = [];
    fake.device = {};
    fake.claims = {};
    fake.discovery = {};
    fake.devicePolls = [];
  });

  it('shows the code, polls at the interval, slows down when told, and returns the token', async () => {
    fake.device = { interval: 2, verification_uri_complete: `${fake.issuer}/verify?user_code=ABCD-EFGH` };
    fake.devicePolls = [
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 400, body: { error: 'slow_down' } },
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 200, body: {} },
    ];
    const token = await run();
    assert.equal(token.source, 'device');
    assert.equal(token.claims.email, 'dev@example.com');
    assert.deepEqual(prompts, [{
      verificationUri: `${fake.issuer}/verify`, verificationUriComplete: `${fake.issuer}/verify?user_code=ABCD-EFGH`, userCode: 'ABCD-EFGH', expiresIn: 600,
    }]);
    assert.deepEqual(waits, [2000, 2000, 7000, 7000]);
    const device = new URLSearchParams(fake.requests.find((r) => r.url === '/device')!.body);
    assert.equal(device.get('client_id'), 'sigstore');
    assert.equal(device.get('scope'), 'openid email');
    const poll = new URLSearchParams(fake.requests.at(-1)!.body);
    assert.equal(poll.get('grant_type'), 'urn:ietf:params:oauth:grant-type:device_code');
    assert.equal(poll.get('device_code'), 'dev-code');
  });

  it('waits 5 s between polls when the issuer names no interval', async () => {
    fake.devicePolls = [{ status: 400, body: { error: 'authorization_pending' } }, { status: 200, body: {} }];
    await run();
    assert.deepEqual(waits, [5000, 5000]);
    assert.equal(prompts[0]?.verificationUriComplete, undefined);
  });

  it('stops on access_denied and expired_token, and on an unknown error', async () => {
    fake.devicePolls = [{ status: 400, body: { error: 'access_denied' } }];
    await assert.rejects(run(), (err: any) => {
      assert.equal(err.code, 'ERR_IDENTITY');
      assert.match(err.message, /^device sign-in at http:\/\/127\.0\.0\.1:\d+: the sign-in was denied/);
      return true;
    });
    fake.devicePolls = [{ status: 400, body: { error: 'expired_token' } }];
    await assert.rejects(run(), /the code expired before it was approved/);
    fake.devicePolls = [{ status: 401, body: { error: 'invalid_client', error_description: 'no such client' } }];
    await assert.rejects(run(), /HTTP 401 \(invalid_client: no such client\)/);
  });

  it('gives up at the code\'s expiry', async () => {
    let clock = 1_000_000;
    fake.device = { expires_in: 12, interval: 5 };
    fake.devicePolls = [{ status: 400, body: { error: 'authorization_pending' } }];
    const polls = () => fake.requests.filter((r) => r.url === '/token').length;
    const before = polls();
    await assert.rejects(run({ now: () => clock, sleep: (ms) => { clock += ms; return Promise.resolve(); } }), /not approved in time/);
    assert.equal(polls() - before, 3, 'polls at 5, 10 and 15 s of a 12 s code');
  });

  it('checks the ID token: issuer and audience', async () => {
    fake.devicePolls = [{ status: 200, body: {} }];
    fake.claims = { iss: 'https://elsewhere.example' };
    await assert.rejects(run(), /issued by https:\/\/elsewhere\.example, not by the issuer asked/);
    fake.claims = { aud: 'other-client' };
    await assert.rejects(run(), /not for client sigstore/);
    fake.claims = { aud: ['other', 'sigstore'] };
    assert.equal((await run()).source, 'device');
  });

  it('needs a device authorization endpoint and an issuer whose discovery matches', async () => {
    fake.discovery = { device_authorization_endpoint: undefined };
    await assert.rejects(run(), /no device_authorization_endpoint/);
    fake.discovery = { issuer: 'https://other.example' };
    await assert.rejects(run(), /discovery document is for another issuer/);
    fake.discovery = { code_challenge_methods_supported: ['plain'] };
    await assert.rejects(run(), /does not support PKCE with S256/);
  });

  it('can be cancelled while waiting', async () => {
    fake.devicePolls = [{ status: 400, body: { error: 'authorization_pending' } }];
    const controller = new AbortController();
    const pending = deviceToken({ issuer: fake.issuer, onDeviceCode: () => setTimeout(() => controller.abort(), 20), signal: controller.signal });
    await assert.rejects(pending, /: cancelled$/);
  });
});
