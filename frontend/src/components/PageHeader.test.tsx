import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderUi } from '../test/renderUi';
import { PageHeader } from './PageHeader';

describe('PageHeader', () => {
  it('titles the page (level 2) and shows its actions', () => {
    renderUi(
      <PageHeader title="Users">
        <button type="button">New user</button>
      </PageHeader>,
    );
    expect(screen.getByRole('heading', { level: 2, name: 'Users' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'New user' })).toBeInTheDocument();
  });
});
