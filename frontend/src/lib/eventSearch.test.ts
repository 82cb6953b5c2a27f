import { describe, expect, it } from 'vitest';
import { compose, decompose, EMPTY_SEARCH, toCsv } from './eventSearch';

describe('event search', () => {
  it('writes the fields as one q string and reads them back', () => {
    const s = { kinds: ['SnapshotCreated', 'JobFailed'], subject: '01a2426b-985b-71b5-9c5d-83dce6a4e99e', from: '2026-12-03T10:00:00.000Z', to: '', text: 'backup "2"  failed' };
    const q = compose(s);
    expect(q).toBe('kind:SnapshotCreated kind:JobFailed subject:01a2426b-985b-71b5-9c5d-83dce6a4e99e from:2026-12-03T10:00:00.000Z "backup 2 failed"');
    expect(decompose(q)).toEqual({ ...s, text: 'backup 2 failed' });
    expect(compose(EMPTY_SEARCH)).toBe('');
    expect(decompose('data/home kind:X')).toEqual({ ...EMPTY_SEARCH, kinds: ['X'], text: 'data/home' });
  });

  it('quotes CSV cells that need it', () => {
    expect(toCsv(['a', 'b'], [[1, 'x, "y"'], [2, 'line\nbreak']])).toBe('a,b\r\n1,"x, ""y"""\r\n2,"line\nbreak"\r\n');
  });
});
