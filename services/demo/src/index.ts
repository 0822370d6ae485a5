// The demo is a program (src/main.ts), not a library; nothing is exported.
export {};
