import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { SigilError } from '@sigil/core';
import { readPassword, type PasswordInput } from './password.js';

/** A terminal double: records raw mode and lets the test type. */
class FakeTty extends EventEmitter implements PasswordInput {
  isTTY = true;
  isRaw = false;
  rawHistory: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    this.rawHistory.push(mode);
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  /** Type `lines` one chunk at a time, each after the prompt before it is listening. */
  type(...chunks: string[]): void {
    const next = (): void => {
      const chunk = chunks.shift();
      if (chunk === undefined) return;
      if (this.listenerCount('data') === 0) return void setImmediate(next);
      this.emit('data', Buffer.from(chunk, 'utf8'));
      setImmediate(next);
    };
    setImmediate(next);
  }
}

function capture(): { write(s: string): boolean; text(): string } {
  let out = '';
  return { write: (s: string) => ((out += s), true), text: () => out };
}

const isCode = (code: string, message?: RegExp) => (err: unknown) =>
  err instanceof SigilError && err.code === code && (message === undefined || message.test(err.message));

test('COSIGN_PASSWORD wins, even when empty, and nothing is prompted or read', async () => {
  const tty = new FakeTty();
  const stderr = capture();
  assert.equal(await readPassword({ purpose: 'decrypt', env: { COSIGN_PASSWORD: 's3cret' }, stdin: tty, stderr }), 's3cret');
  assert.equal(await readPassword({ purpose: 'encrypt', env: { COSIGN_PASSWORD: '' }, stdin: tty, stderr }), '');
  assert.equal(stderr.text(), '');
  assert.deepEqual(tty.rawHistory, []);
});

test('no variable and stdin is not a terminal → ERR_KEY_PASSWORD naming the variable', async () => {
  const piped = Object.assign(new FakeTty(), { isTTY: false });
  const stderr = capture();
  for (const purpose of ['decrypt', 'encrypt'] as const) {
    await assert.rejects(
      readPassword({ purpose, env: {}, stdin: piped, stderr }),
      isCode('ERR_KEY_PASSWORD', /^no password: set COSIGN_PASSWORD \(stdin is not a terminal\)$/),
    );
  }
  assert.equal(stderr.text(), '');
});

test('an over-long COSIGN_PASSWORD is refused without being echoed', async () => {
  const secret = 'x'.repeat(5000);
  await assert.rejects(readPassword({ purpose: 'decrypt', env: { COSIGN_PASSWORD: secret } }), (err: unknown) => {
    assert.ok(isCode('ERR_KEY_PASSWORD')(err));
    assert.ok(!(err as Error).message.includes(secret));
    return true;
  });
});

test('terminal: prompt on stderr, raw mode on and restored, password never echoed', async () => {
  const tty = new FakeTty();
  const stderr = capture();
  const pending = readPassword({ purpose: 'decrypt', env: {}, stdin: tty, stderr });
  tty.type('hun', 'ter2x\u007f', '2\r');
  assert.equal(await pending, 'hunter22');
  assert.equal(stderr.text(), 'Enter password for private key: \n');
  assert.deepEqual(tty.rawHistory, [true, false]);
  assert.equal(tty.listenerCount('data'), 0);
});

test('terminal, encrypt: asks twice; a mismatch is refused', async () => {
  const ok = new FakeTty();
  const stderr = capture();
  const pending = readPassword({ purpose: 'encrypt', env: {}, stdin: ok, stderr });
  ok.type('pässwörd\r', 'pässwörd\n');
  assert.equal(await pending, 'pässwörd');
  assert.equal(stderr.text(), 'Enter password for private key: \nEnter password for private key again: \n');

  const bad = new FakeTty();
  const out = capture();
  const refused = readPassword({ purpose: 'encrypt', env: {}, stdin: bad, stderr: out });
  bad.type('one\r', 'two\r');
  await assert.rejects(refused, isCode('ERR_KEY_PASSWORD', /do not match/));
  assert.ok(!out.text().includes('one') && !out.text().includes('two'));
});

test('terminal: Ctrl-C cancels and restores the terminal; an empty line is an empty password', async () => {
  const tty = new FakeTty();
  const pending = readPassword({ purpose: 'decrypt', env: {}, stdin: tty, stderr: capture() });
  tty.type('abc\u0003');
  await assert.rejects(pending, isCode('ERR_KEY_PASSWORD', /cancelled/));
  assert.deepEqual(tty.rawHistory, [true, false]);

  const empty = new FakeTty();
  const blank = readPassword({ purpose: 'decrypt', env: {}, stdin: empty, stderr: capture() });
  empty.type('\r');
  assert.equal(await blank, '');
});
