import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGraphApiPath, resourceCost, routeTemplate } from '../../src/graph/route.js';

const u = (s: string) => new URL(s, 'https://graph.microsoft.com');

describe('routeTemplate', () => {
  it('replaces ids, site ids and path-addressed names', () => {
    assert.equal(routeTemplate(u('/v1.0/drives/b!abc/root/delta?token=xyz')), '/drives/{id}/root/delta');
    assert.equal(
      routeTemplate(u('/v1.0/drives/b!abc/items/01XYZ/children')),
      '/drives/{id}/items/{id}/children',
    );
    assert.equal(
      routeTemplate(u('/v1.0/drives/b!abc/root:/Finance/salaries 2024.xlsx:/content')),
      '/drives/{id}/root:{path}:/content',
    );
    assert.equal(routeTemplate(u('/v1.0/drives/d/items/01AB:/a/b.txt:')), '/drives/{id}/items/{id}:{path}:');
    assert.equal(
      routeTemplate(u('/v1.0/sites/contoso.sharepoint.com,1111,2222/drives')),
      '/sites/{id}/drives',
    );
    assert.equal(routeTemplate(u('/v1.0/subscriptions/4b2c')), '/subscriptions/{id}');
    assert.equal(routeTemplate(u('/beta/sites?search=fin')), '/sites');
  });

  it('keeps nothing of opaque download or upload URLs', () => {
    assert.equal(routeTemplate(u('https://127.0.0.1:9/_download/eyJzZWNyZXQ.sig')), '/_download/{opaque}');
    assert.equal(isGraphApiPath('/_download/x'), false);
    assert.equal(isGraphApiPath('/v1.0/drives'), true);
    assert.equal(isGraphApiPath('/v1.0'), true);
    assert.equal(isGraphApiPath('/v1.01/x'), false);
  });
});

describe('resourceCost', () => {
  it('follows the SharePoint resource-unit table', () => {
    assert.equal(resourceCost('GET', u('/v1.0/drives/d/items/i')), 1);
    assert.equal(resourceCost('GET', u('/v1.0/drives/d/root/delta?token=abc')), 1);
    assert.equal(resourceCost('GET', u('/v1.0/drives/d/root/delta')), 2);
    assert.equal(resourceCost('GET', u('/v1.0/drives/d/items/i/children')), 2);
    assert.equal(resourceCost('POST', u('/v1.0/drives/d/items/i/children')), 2);
    assert.equal(resourceCost('PATCH', u('/v1.0/drives/d/items/i')), 2);
    assert.equal(resourceCost('DELETE', u('/v1.0/drives/d/items/i')), 2);
    assert.equal(resourceCost('GET', u('/v1.0/drives/d/items/i/permissions')), 5);
    assert.equal(resourceCost('GET', u('https://127.0.0.1/_download/x')), 1);
  });

  it('sums the parts of a $batch', () => {
    const body = JSON.stringify({
      requests: [
        { id: '1', method: 'GET', url: '/drives/d/items/a' },
        { id: '2', method: 'GET', url: '/drives/d/items/a/children' },
        { id: '3', method: 'DELETE', url: 'drives/d/items/b' },
      ],
    });
    assert.equal(resourceCost('POST', u('/v1.0/$batch'), body), 5);
    assert.equal(resourceCost('POST', u('/v1.0/$batch'), 'not json'), 2);
  });
});
