import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API to a running `dist-btrfs serve`.
const backend = process.env.DIST_BTRFS_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': { target: backend, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app: their own chunks cache across releases.
        codeSplitting: {
          groups: [
            // use-sync-external-store: react-i18next and recharts share it; with React it stays off the charts chunk
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler|use-sync-external-store)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/](core|hooks)[\\/]/ },
            // charts only where a page draws one (loaded with it, not on the first paint)
            { name: 'charts', test: /node_modules[\\/](recharts|@mantine[\\/]charts|victory-vendor|d3-[a-z-]+)[\\/]/ },
            { name: 'vendor', test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // the CI machine is shared: give slow, loaded runs room instead of flaking
    testTimeout: 20_000,
  },
});
