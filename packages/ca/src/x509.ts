// @peculiar/x509 reads decorator metadata while it loads, and signs through WebCrypto.
// Every module of this package imports it from here so both hold before first use.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
