import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderUi } from '../test/renderUi';
import { Section } from './Section';

describe('Section', () => {
  it('is a region named by its heading, with the extra and the content inside', () => {
    renderUi(
      <Section id="things-title" title="Things" extra={<button type="button">Refresh</button>}>
        <p>three things</p>
      </Section>,
    );
    const region = screen.getByRole('region', { name: 'Things' });
    expect(within(region).getByRole('heading', { level: 3, name: 'Things' })).toHaveAttribute('id', 'things-title');
    expect(within(region).getByRole('button', { name: 'Refresh' })).toBeInTheDocument();
    expect(region).toHaveTextContent('three things');
  });
});
