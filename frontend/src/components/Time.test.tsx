import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { formatTime } from '../lib/format';
import { renderUi } from '../test/renderUi';
import { Time } from './Time';

describe('Time', () => {
  it('shows the time for people with the ISO form as its title', () => {
    const at = '2026-01-02T03:04:05Z';
    renderUi(<Time at={at} />);
    expect(screen.getByText(formatTime(at))).toHaveAttribute('title', at);
  });

  it('says "never" without a time', () => {
    renderUi(<Time at={null} />);
    expect(screen.getByText('never')).not.toHaveAttribute('title');
  });
});
