// A per-isolate cache with a time limit. Workers keep an isolate alive across many requests,
// so this saves D1 round trips on the hot path; entries expire so admin changes made through
// other isolates land within the configured time.

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries = 1000) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, ttlSeconds: number): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * For caches of promises: the cached promise, or a new one from `load`, shared by concurrent
   * callers. A load that fails or finds nothing (null) is forgotten, so it is tried again.
   */
  static load<K, T>(cache: TtlCache<K, Promise<T>>, key: K, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit;
    const pending = load();
    cache.set(key, pending, ttlSeconds);
    pending.then(
      (value) => value === null && cache.delete(key),
      () => cache.delete(key),
    );
    return pending;
  }
}
