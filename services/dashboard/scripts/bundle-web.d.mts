/** Writes the dashboard page (index.html, app.js, app.css) into `outDir`; resolves to the files written. */
export function bundleWeb(outDir: string): Promise<string[]>;
