import { describe, expect, it } from 'vitest';
import { parseMessageHeaders, recipientDomains } from './message.js';

describe('parseMessageHeaders', () => {
  it('reads folded headers up to the empty line, names lower-cased, repeated names kept', () => {
    const raw = Buffer.from(
      'From: shop@example.com\r\nTo: a@x.org,\r\n b@y.org\r\nX-Shadow-Exchange-Id: ex-1\r\nReceived: one\r\nReceived: two\r\n\r\nBody: not a header\r\n',
    );
    expect(parseMessageHeaders(raw)).toEqual({
      from: ['shop@example.com'],
      to: ['a@x.org, b@y.org'],
      'x-shadow-exchange-id': ['ex-1'],
      received: ['one', 'two'],
    });
  });

  it('reads what there is when the capture cut the header block', () => {
    expect(parseMessageHeaders(Buffer.from('Subject: hi\nX-Shadow-Exchange-Id: e'))).toEqual({ subject: ['hi'], 'x-shadow-exchange-id': ['e'] });
  });
});

describe('recipientDomains', () => {
  it('deduplicates and sorts lower-cased domains', () => {
    expect(recipientDomains(['A@Example.com', 'b@example.com', 'c@beta.org'])).toEqual(['beta.org', 'example.com']);
  });
});
