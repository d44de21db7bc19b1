import { randomUUID } from 'node:crypto';
import type { Context } from '@microsoft/microsoft-graph-client';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { instruments, redactText, redactUrl, tracer } from '../../telemetry/index.js';
import { callInfo, hasHeader, setHeader } from '../call-options.js';
import { GraphRequestError, NO_RESPONSE } from '../errors.js';
import { Link } from './link.js';

export const graphMetrics = instruments((m) => ({
  requests: m.createCounter('deltafs.graph.requests', {
    description: 'Graph calls by method, route and final status',
  }),
  duration: m.createHistogram('deltafs.graph.duration', {
    description: 'Graph call duration including retries and waits',
    unit: 'ms',
  }),
  retries: m.createCounter('deltafs.graph.retries', { description: 'Graph attempts repeated, by reason' }),
  pauses: m.createCounter('deltafs.graph.throttle.pauses', {
    description: 'Tenant-wide pauses started by Retry-After',
  }),
}));

/**
 * Outermost: one span and one count per logical call, whatever the retries. Attributes carry the
 * route template and a redacted URL, never ids of the user's items or tokens in query strings.
 */
export class TelemetryMiddleware extends Link {
  async execute(context: Context): Promise<void> {
    const info = callInfo(context);
    if (!hasHeader(context, 'client-request-id')) setHeader(context, 'client-request-id', randomUUID());
    const span = tracer().startSpan(`${info.method} ${info.route}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': info.method,
        'http.route': info.route,
        'server.address': info.url.hostname,
      },
    });
    const started = performance.now();
    let status = NO_RESPONSE;
    try {
      if (span.isRecording()) {
        span.setAttribute('url.full', redactUrl(info.url));
        await otelContext.with(trace.setSpan(otelContext.active(), span), () => this.next.execute(context));
      } else {
        await this.next.execute(context);
      }
      status = Link.response(context).status;
    } catch (err) {
      if (err instanceof GraphRequestError) {
        status = err.status;
        span.setAttribute('error.type', err.code);
      }
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? redactText(err.message) : undefined,
      });
      throw err;
    } finally {
      const attrs = {
        'http.request.method': info.method,
        'http.route': info.route,
        'http.response.status_code': status,
      };
      const m = graphMetrics();
      m.requests.add(1, attrs);
      m.duration.record(performance.now() - started, attrs);
      span.setAttribute('http.response.status_code', status);
      span.setAttribute('deltafs.attempts', info.attempts);
      span.end();
    }
  }
}
