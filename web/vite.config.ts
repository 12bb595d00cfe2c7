import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Assets are referenced relative to the page's <base href>, which Muster writes into
// index.html when it serves it: one build works under any BASE_PATH.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    // `npm run dev -w web` next to a running Muster (default address) proxies the API.
    proxy: { '/api': 'http://127.0.0.1:8081' },
  },
});
