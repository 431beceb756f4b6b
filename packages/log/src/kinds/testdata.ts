/**
 * Test fixtures for the entry-kind tests. The certificates are self-signed and were made
 * offline (node:crypto cannot issue certificates); their private keys are here only so
 * the tests can sign with them.
 *
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=test \
 *     -addext subjectAltName=email:Alice@Example.com,URI:https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main \
 *     -days 36500
 */
export const TEST_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIB2TCCAYCgAwIBAgIUbG6DSZi58QMq0F8lVzN/EXJRxH4wCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEdGVzdDAgFw0yNjExMzAwMzAyNTZaGA8yMTI2MTEwNjAzMDI1
NlowDzENMAsGA1UEAwwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHJB
mnl/UxwZQT+O/GnO/vhAD9aqJVk9/SYne38QyGPqG/Qsa6C4dYITm/b2e2wNyTYz
eEQEXpJsTMS1ouG7RRmjgbcwgbQwHQYDVR0OBBYEFOBw5lXDlJyuboayNicpEnpH
wa1tMB8GA1UdIwQYMBaAFOBw5lXDlJyuboayNicpEnpHwa1tMA8GA1UdEwEB/wQF
MAMBAf8wYQYDVR0RBFowWIERQWxpY2VARXhhbXBsZS5jb22GQ2h0dHBzOi8vZ2l0
aHViLmNvbS9hY21lL2FwcC8uZ2l0aHViL3dvcmtmbG93cy9yLnltbEByZWZzL2hl
YWRzL21haW4wCgYIKoZIzj0EAwIDRwAwRAIgLwzmOYBTe3SZWWCoTyg8YcJujPGW
CK8w5FrJq7eoZs0CIHLkGnVY2QkYf4X8pjAHXMBd2QOy7BjDmRTwKhU0u0Vy
-----END CERTIFICATE-----
`;

export const TEST_CERT_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgg4CD7T27NJujb6Pz
hOHQ+1qgvM6nAFKU7FRvYgg+zkOhRANCAARyQZp5f1McGUE/jvxpzv74QA/WqiVZ
Pf0mJ3t/EMhj6hv0LGuguHWCE5v29ntsDck2M3hEBF6SbEzEtaLhu0UZ
-----END PRIVATE KEY-----
`;

/**
 * A second self-signed P-256 certificate whose SANs exercise node's subjectAltName
 * quoting: URI https://a.example/x,yz (printed as a JSON string), email Bob@Example.com,
 * DNS example.com, IPs 10.0.0.1 and 2001:db8::1, an otherName, and https://plain.example/a.
 * It was made valid for 10 days only: the log must not check validity windows.
 */
export const SAN_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBzTCCAXOgAwIBAgIURyOszg0DEdj7aHg6BmQvKmLAe1gwCgYIKoZIzj0EAwIw
DTELMAkGA1UEAwwCdDIwHhcNMjYxMTMwMDMwMzAwWhcNMjYxMjEwMDMwMzAwWjAN
MQswCQYDVQQDDAJ0MjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMBXrnywND1r
Lm0gisTgY+l6K1eDrhTN4fpkzFN5Hu27vPUsE7KCiYfH7aFGfyquXVzpb53noXce
9Km8wlf9+ZOjgbAwga0wgYsGA1UdEQSBgzCBgIYWaHR0cHM6Ly9hLmV4YW1wbGUv
eCx5eoEPQm9iQEV4YW1wbGUuY29tggtleGFtcGxlLmNvbYcECgAAAYcQIAENuAAA
AAAAAAAAAAAAAaAXBgorBgEEAYO/MAEHoAkMB29jdG9jYXSGF2h0dHBzOi8vcGxh
aW4uZXhhbXBsZS9hMB0GA1UdDgQWBBRkb2tEf5q3CoX9VWaElejoyJ6StjAKBggq
hkjOPQQDAgNIADBFAiEAnv7xxu1cQskD9A3WQ1JoX/EPmL2SNYo5ZRM1rg5CwOEC
IFlb6C61dRJi/z7ZjzS/ew3y5SOs+NfADcw+aRe+FQ0F
-----END CERTIFICATE-----
`;

export const SAN_CERT_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgb7Dw360ayu8Iw3ot
gGnkh0MwKhPngW4/3RMqUzGEXdqhRANCAATAV658sDQ9ay5tIIrE4GPpeitXg64U
zeH6ZMxTeR7tu7z1LBOygomHx+2hRn8qrl1c6W+d56F3HvSpvMJX/fmT
-----END PRIVATE KEY-----
`;
