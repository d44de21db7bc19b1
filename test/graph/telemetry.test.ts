import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Attributes,
  type MeterProvider,
  metrics,
  type SpanOptions,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { GraphClient } from '../../src/graph/index.js';
import { type Harness, harness } from './fixture.js';

interface Recorded {
  name: string;
  attributes: Attributes;
  status?: { code: number; message?: string };
  ended: boolean;
}

/** Just enough of an OpenTelemetry SDK to see what the client puts on spans and metrics. */
function recordingProviders() {
  const spans: Recorded[] = [];
  const points: { instrument: string; value: number; attributes: Attributes }[] = [];
  const tracerProvider = {
    getTracer: () => ({
      startSpan(name: string, options?: SpanOptions) {
        const rec: Recorded = { name, attributes: { ...options?.attributes }, ended: false };
        spans.push(rec);
        const span = {
          spanContext: () => ({ traceId: `${'0'.repeat(31)}1`, spanId: `${'0'.repeat(15)}1`, traceFlags: 1 }),
          setAttribute(k: string, v: unknown) {
            rec.attributes[k] = v as string;
            return span;
          },
          setAttributes(a: Attributes) {
            Object.assign(rec.attributes, a);
            return span;
          },
          setStatus(s: Recorded['status']) {
            rec.status = s;
            return span;
          },
          updateName(n: string) {
            rec.name = n;
            return span;
          },
          addEvent: () => span,
          addLink: () => span,
          addLinks: () => span,
          recordException: () => {},
          isRecording: () => true,
          end: () => {
            rec.ended = true;
          },
        };
        return span;
      },
    }),
  } as unknown as TracerProvider;
  const instrument = (name: string) => {
    const push = (value: number, attributes: Attributes = {}) =>
      points.push({ instrument: name, value, attributes });
    return { add: push, record: push };
  };
  const meterProvider = {
    getMeter: () => ({ createCounter: instrument, createHistogram: instrument }),
  } as unknown as MeterProvider;
  return { spans, points, tracerProvider, meterProvider };
}

describe('telemetry', () => {
  let h: Harness;
  let client: GraphClient;
  const rec = recordingProviders();

  before(async () => {
    h = await harness({ items: 150 });
    client = h.client();
    // One call before any SDK exists: instruments made now must not stay no-ops afterwards.
    await client.getDrive(h.emu.info.drives[0]!.id);
    assert.ok(trace.setGlobalTracerProvider(rec.tracerProvider));
    assert.ok(metrics.setGlobalMeterProvider(rec.meterProvider));
  });
  after(async () => {
    trace.disable();
    metrics.disable();
    await h.close();
  });

  it('names spans by route template and keeps delta tokens and download URLs off them', async () => {
    const driveId = h.emu.info.drives[0]!.id;
    let page = await client.deltaPage({ driveId, top: 50 });
    const links: string[] = [];
    while (page.nextLink) {
      links.push(page.nextLink);
      page = await client.deltaPage(page.nextLink);
    }
    links.push(page.deltaLink!);
    const file = page.value.find((i) => i.file)!;
    const redirect = await client.requestRaw(
      'GET',
      `/drives/${encodeURIComponent(driveId)}/items/${file.id}/content`,
    );
    const location = redirect.headers.get('location')!;
    await (await client.requestRaw('GET', location)).arrayBuffer();
    await client.getItem(driveId, 'no-such-item').catch(() => {});

    const secrets = [
      ...links.map((l) => new URL(l).searchParams.get('token')!),
      new URL(location).pathname.split('/').pop()!,
    ];
    assert.ok(secrets.every((s) => s && s.length > 8));
    const everything = JSON.stringify(rec.spans);
    for (const s of secrets) assert.ok(!everything.includes(s), 'a token or signed URL reached a span');

    const names = new Set(rec.spans.map((s) => s.name));
    assert.ok(names.has('GET /drives/{id}/root/delta'), [...names].join(', '));
    assert.ok(names.has('GET /drives/{id}/items/{id}/content'));
    assert.ok(names.has('GET /_download/{opaque}'));
    assert.ok(rec.spans.every((s) => s.ended));
    const failed = rec.spans.find((s) => s.attributes['http.response.status_code'] === 404)!;
    assert.equal(failed.status?.code, 2);
    assert.equal(failed.attributes['error.type'], 'itemNotFound');
  });

  it('counts calls by method, route and status on a provider registered after the client was built', () => {
    const requests = rec.points.filter((p) => p.instrument === 'deltafs.graph.requests');
    const statuses = new Set(requests.map((p) => p.attributes['http.response.status_code']));
    for (const s of [200, 302, 404]) assert.ok(statuses.has(s), `status ${s} counted: ${[...statuses]}`);
    assert.ok(
      requests.every((p) => !String(p.attributes['http.route']).includes('!')),
      'no drive ids in labels',
    );
    assert.ok(rec.points.some((p) => p.instrument === 'deltafs.graph.duration'));
  });
});
