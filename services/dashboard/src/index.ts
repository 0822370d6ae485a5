// @shadow/dashboard: the dashboard service (see docs/dashboard.md). Its read queries live in
// @shadow/analysis (explore); this package is config, HTTP server, static assets and wiring.
export {};
