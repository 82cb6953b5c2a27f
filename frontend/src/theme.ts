import { createTheme } from '@mantine/core';

// System fonts only: the dashboard loads nothing from the network.
export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
});
