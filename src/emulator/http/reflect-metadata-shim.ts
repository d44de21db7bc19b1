/**
 * @peculiar/x509 wires its algorithms through tsyringe, which refuses to load without the
 * `reflect-metadata` polyfill. That package is not a dependency here, and tsyringe only calls
 * these three functions, so this module supplies them. Import it before @peculiar/x509.
 */
type Key = string | symbol;
type MetadataReflect = typeof Reflect & {
  getMetadata?: (key: Key, target: object) => unknown;
  getOwnMetadata?: (key: Key, target: object) => unknown;
  defineMetadata?: (key: Key, value: unknown, target: object) => void;
};

const reflect = Reflect as MetadataReflect;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<object, Map<Key, unknown>>();
  const own = (key: Key, target: object) => store.get(target)?.get(key);
  reflect.getOwnMetadata = own;
  reflect.getMetadata = (key, target) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      if (store.get(t)?.has(key)) return own(key, t);
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    const map = store.get(target) ?? new Map<Key, unknown>();
    store.set(target, map);
    map.set(key, value);
  };
}

export {};
