#!/usr/bin/env node
// Placeholder until the CLI lands.
export {};
