// HTML of the login issuer: the email login page, the device-flow pages and the error
// page. Every page says plainly that this is a development issuer. Every interpolated
// value goes through escapeHtml; `form` arguments are oidc-provider's own markup.

export const DEV_BANNER = 'Development issuer — any email is accepted, never use in production';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f5;color:#18181b}
.banner{background:#b91c1c;color:#fff;padding:10px 16px;text-align:center;font-weight:600}
main{max-width:380px;margin:40px auto;background:#fff;padding:24px 28px;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2)}
h1{font-size:1.4em;margin-top:0}
label{display:block;font-weight:600;margin-bottom:6px}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;font-size:16px;padding:8px;margin-bottom:14px;border:1px solid #a1a1aa;border-radius:4px}
input[type=text]{text-transform:uppercase;text-align:center}
button{font-size:15px;padding:8px 14px;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:none;color:#52525b;text-decoration:underline;padding:4px 0}
.error{color:#b91c1c}
.muted{color:#52525b;font-size:.9em;word-break:break-all}
code{font-size:1.6em;letter-spacing:.1em}`;

export function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} — Sigil development issuer</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="alert" id="dev-issuer-banner">${escapeHtml(DEV_BANNER)}</div>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageInput {
  issuer: string;
  clientName: string;
  action: string;
  abortAction: string;
  email?: string;
  error?: string;
  deviceFlow: boolean;
}

export function renderLoginPage(p: LoginPageInput): string {
  const error = p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : '';
  const what = p.deviceFlow ? 'a device' : escapeHtml(p.clientName);
  return renderPage('Sign in', `<h1>Sign in to ${what}</h1>
<p>Type any email address. The issuer signs an identity token saying you own it, without checking: it is for local stacks and tests only.</p>
${error}
<form method="post" action="${escapeHtml(p.action)}" id="login-form">
<label for="email">Email</label>
<input id="email" name="email" type="email" required autofocus autocomplete="email" maxlength="254" value="${escapeHtml(p.email ?? '')}">
<button type="submit" id="sign-in">Sign in</button>
</form>
<form method="post" action="${escapeHtml(p.abortAction)}">
<button type="submit" class="secondary" id="cancel">Cancel</button>
</form>
<p class="muted">Issuer: ${escapeHtml(p.issuer)}</p>`);
}

export function renderMessagePage(title: string, message: string): string {
  return renderPage(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}

export function renderDeviceInputPage(form: string, error?: string): string {
  const msg = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '<p>Enter the code shown on your device.</p>';
  return renderPage('Device sign-in', `<h1>Device sign-in</h1>
${msg}
${form}
<button type="submit" form="op.deviceInputForm" id="continue">Continue</button>`);
}

export function renderDeviceConfirmPage(form: string, clientName: string, userCode: string): string {
  return renderPage('Confirm device', `<h1>Confirm device</h1>
<p><strong>${escapeHtml(clientName)}</strong> asks to sign in. Check that your device shows this code:</p>
<p><code id="user-code">${escapeHtml(userCode)}</code></p>
${form}
<button type="submit" form="op.deviceConfirmForm" id="continue">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort" class="secondary" id="abort">Abort</button>`);
}

export function renderDeviceSuccessPage(): string {
  return renderMessagePage('Device signed in', 'The device is signed in. You can close this page.');
}
