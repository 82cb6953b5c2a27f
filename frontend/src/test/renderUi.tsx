// Renders one component the way the app does (Mantine theme, a router for links), without
// the app around it: for the shared components' own tests.
import { MantineProvider } from '@mantine/core';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { theme } from '../theme';

export function renderUi(ui: ReactElement) {
  return render(ui, {
    wrapper: ({ children }) => (
      <MantineProvider theme={theme} env="test">
        <MemoryRouter>{children}</MemoryRouter>
      </MantineProvider>
    ),
  });
}
