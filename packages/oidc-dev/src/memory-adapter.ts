// oidc-provider storage for a development issuer: one in-memory store per provider.
// Everything (sessions, codes, grants, device codes) is lost on restart, which is fine
// for a dev issuer whose tokens live minutes. oidc-provider's own memory adapter is
// module-global and warns on every start; this one is per instance and quiet.
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Models whose artefacts die with their grant (oidc-provider's memory adapter uses the same set). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

interface Entry {
  payload: AdapterPayload;
  /** epoch ms; undefined = no expiry */
  expiresAt: number | undefined;
}

export class MemoryStore {
  readonly entries = new Map<string, Entry>();
  /** secondary keys (`uid:…`, `userCode:…`) → primary key */
  readonly index = new Map<string, string>();
  /** grantId → primary keys of the artefacts issued under it */
  readonly grants = new Map<string, Set<string>>();
  #writes = 0;

  constructor(readonly now: () => number = Date.now) {}

  live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops expired entries every so often so a long-running dev server stays small. */
  sweep(): void {
    if (++this.#writes % 256 !== 0) return;
    for (const key of [...this.entries.keys()]) this.live(key);
    for (const [k, primary] of this.index) if (!this.entries.has(primary)) this.index.delete(k);
    for (const [grantId, keys] of this.grants) {
      for (const key of keys) if (!this.entries.has(key)) keys.delete(key);
      if (keys.size === 0) this.grants.delete(grantId);
    }
  }

  clear(): void {
    this.entries.clear();
    this.index.clear();
    this.grants.clear();
  }
}

export class MemoryAdapter implements Adapter {
  constructor(private readonly model: string, private readonly store: MemoryStore) {}

  #key(id: string): string {
    return `${this.model}:${id}`;
  }

  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const expiresAt = expiresIn ? this.store.now() + expiresIn * 1000 : undefined;
    this.store.entries.set(key, { payload: structuredClone(payload), expiresAt });
    if (payload.uid !== undefined) this.store.index.set(`${this.model}:uid:${payload.uid}`, key);
    if (payload.userCode !== undefined) this.store.index.set(`${this.model}:userCode:${payload.userCode}`, key);
    if (payload.grantId !== undefined && GRANTABLE.has(this.model)) {
      let keys = this.store.grants.get(payload.grantId);
      if (!keys) this.store.grants.set(payload.grantId, (keys = new Set()));
      keys.add(key);
    }
    this.store.sweep();
    return Promise.resolve();
  }

  #find(key: string | undefined): Promise<AdapterPayload | undefined> {
    const entry = key === undefined ? undefined : this.store.live(key);
    return Promise.resolve(entry ? structuredClone(entry.payload) : undefined);
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#find(this.#key(id));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#find(this.store.index.get(`${this.model}:uid:${uid}`));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#find(this.store.index.get(`${this.model}:userCode:${userCode}`));
  }

  consume(id: string): Promise<void> {
    const entry = this.store.live(this.#key(id));
    if (entry) entry.payload.consumed = Math.floor(this.store.now() / 1000);
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.store.entries.delete(this.#key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.store.grants.get(grantId) ?? []) this.store.entries.delete(key);
    this.store.grants.delete(grantId);
    return Promise.resolve();
  }
}
