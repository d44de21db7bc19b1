import { type Meter, type MeterProvider, metrics, type Tracer, trace } from '@opentelemetry/api';

export { REDACTED, redactText, redactUrl } from './redact.js';

const SCOPE = 'deltafs';

/**
 * The tracer provider is a proxy that follows a later SDK registration, so a tracer can be taken
 * once. The metrics API has no such proxy: instruments created before the SDK is registered stay
 * no-ops forever. Callers therefore build instruments through `instruments()`, which rebuilds
 * them when the global meter provider changes.
 */
export function tracer(): Tracer {
  return trace.getTracer(SCOPE);
}

/** Memoises `build(meter)` per global meter provider. */
export function instruments<T>(build: (m: Meter) => T): () => T {
  let provider: MeterProvider | undefined;
  let built: T | undefined;
  return () => {
    const current = metrics.getMeterProvider();
    if (built === undefined || current !== provider) {
      provider = current;
      built = build(current.getMeter(SCOPE));
    }
    return built;
  };
}
