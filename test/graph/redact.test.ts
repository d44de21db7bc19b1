import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactText, redactUrl } from '../../src/telemetry/index.js';

describe('redaction', () => {
  it('keeps Graph paths and safe query values, hides tokens', () => {
    const out = redactUrl(
      'https://graph.microsoft.com/v1.0/drives/b!x/root/delta?$select=id,name&token=aGVsbG8&$top=200',
    );
    assert.equal(
      out,
      'https://graph.microsoft.com/v1.0/drives/b!x/root/delta?$select=id,name&token=REDACTED&$top=200',
    );
  });

  it('hides the signed part of download and upload URLs', () => {
    assert.equal(
      redactUrl('https://127.0.0.1:4433/_download/eyJkIjoiYiJ9.c2ln'),
      'https://127.0.0.1:4433/_download/REDACTED',
    );
    const sp = redactUrl(
      'https://contoso.sharepoint.com/_layouts/15/download.aspx?UniqueId=abc&tempauth=v1.eyJ0',
    );
    assert.ok(!sp.includes('eyJ0') && !sp.includes('abc'), sp);
  });

  it('scrubs free text', () => {
    const text =
      'Authorization: Bearer abc.def-ghi {"access_token":"AT123","refresh_token":"RT456"} ' +
      'see https://g/v1.0/drives/d/root/delta?token=TOK789 jwt eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
    const out = redactText(text);
    for (const secret of ['abc.def-ghi', 'AT123', 'RT456', 'TOK789', 'eyJhbGciOiJub25lIn0']) {
      assert.ok(!out.includes(secret), `${secret} in ${out}`);
    }
    assert.ok(out.includes('/v1.0/drives/d/root/delta'));
    assert.equal(redactText('{"error":{"code":"itemNotFound"}}'), '{"error":{"code":"itemNotFound"}}');
  });
});
