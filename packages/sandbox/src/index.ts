// Placeholder until the package's first module lands.
export {};
