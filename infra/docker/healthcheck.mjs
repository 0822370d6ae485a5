// Docker HEALTHCHECK for the images (infra/docker/Dockerfile): `node /healthcheck.mjs <url>` exits 0
// when the URL answers 2xx within 2 s, 1 otherwise, printing why. Node itself, because the slim
// runtime images have neither curl nor wget. No dependencies: it runs from / outside the app.
const url = process.argv[2];
if (url === undefined || !/^http:\/\/(127\.0\.0\.1|localhost):\d+\/[a-z]+$/.test(url)) {
  process.stderr.write(`usage: node healthcheck.mjs http://127.0.0.1:<port>/<path>; got ${JSON.stringify(url)}\n`);
  process.exit(2);
}
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  if (res.ok) process.exit(0);
  process.stderr.write(`${url} answered ${res.status}\n`);
} catch (error) {
  process.stderr.write(`${url}: ${error instanceof Error ? error.message : String(error)}\n`);
}
process.exit(1);
