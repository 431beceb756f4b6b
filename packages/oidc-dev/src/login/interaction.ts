// Our own interaction pages, in place of oidc-provider's devInteractions:
//   GET  <issuer>/interaction/:uid          the email login page
//   POST <issuer>/interaction/:uid/login    email=… → login + consent, back to oidc-provider
//   POST <issuer>/interaction/:uid/abort    → access_denied to the client
// Any email is accepted (it becomes `sub` and `email`, with email_verified: true), and
// consent to `openid email` is granted without asking: this is a development issuer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { FormError, readForm, sendHtml, singleParam } from '../http.js';
import { renderLoginPage, renderMessagePage } from './pages.js';

/** The scopes a login grants; anything else asked for is left out of the grant. */
const GRANTABLE_SCOPES = new Set(['openid', 'email']);

// Printable ASCII, one @, a dotted or single-label domain: what an rfc822Name SAN can hold.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function parseEmail(raw: string | undefined): string | undefined {
  const email = (raw ?? '').trim();
  return email.length <= 254 && EMAIL.test(email) ? email : undefined;
}

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/abort)?$/;

export function isInteractionPath(path: string): boolean {
  return path.startsWith('/interaction/');
}

/**
 * Serves one interaction request. `path` is relative to the issuer; `issuerPath` is the
 * issuer's own path (e.g. `/oidc`), used to build the form actions.
 */
export async function handleInteraction(
  provider: Provider,
  issuerPath: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const route = ROUTE.exec(path);
  if (!route) {
    sendHtml(res, 404, renderMessagePage('Not found', 'There is no such login page.'));
    return;
  }
  const uid = route[1] ?? '';
  const action = route[2];
  const expected = action === undefined ? 'GET' : 'POST';
  if (req.method !== expected) {
    res.setHeader('allow', expected);
    sendHtml(res, 405, renderMessagePage('Method not allowed', `Use ${expected} here.`));
    return;
  }

  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(res, 400, renderMessagePage('Sign-in expired', 'This sign-in was not found or has expired. Start again from your application.'));
    return;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, renderMessagePage('Sign-in mismatch', 'This page belongs to another sign-in. Start again from your application.'));
    return;
  }

  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
  const client = await provider.Client.find(clientId);
  const page = {
    issuer: provider.issuer,
    clientName: client?.clientName ?? clientId,
    action: `${issuerPath}/interaction/${uid}/login`,
    abortAction: `${issuerPath}/interaction/${uid}/abort`,
    deviceFlow: details.deviceCode !== undefined,
  };

  if (action === undefined) {
    sendHtml(res, 200, renderLoginPage(page));
    return;
  }
  if (action === '/abort') {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted the sign-in' }, { mergeWithLastSubmission: false });
    return;
  }

  let raw: string | undefined;
  try {
    raw = singleParam(await readForm(req), 'email');
  } catch (err) {
    if (!(err instanceof FormError)) throw err;
    res.setHeader('connection', 'close');
    sendHtml(res, err.status, renderLoginPage({ ...page, error: err.message }));
    return;
  }
  const email = parseEmail(raw);
  if (email === undefined) {
    sendHtml(res, 400, renderLoginPage({ ...page, email: raw?.slice(0, 254), error: 'Enter an email address such as dev@example.com.' }));
    return;
  }

  // A fresh grant per login: a previous grant in this browser may belong to another email.
  const grant = new provider.Grant({ accountId: email, clientId });
  const requested = typeof details.params.scope === 'string' ? details.params.scope.split(' ') : [];
  grant.addOIDCScope(requested.filter((s) => GRANTABLE_SCOPES.has(s)).join(' ') || 'openid');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: email, remember: false },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}
