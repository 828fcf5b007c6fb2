// Builds the seeded template database once per test run; each file then works on a copy.
import type { TestProject } from 'vitest/node';
import { buildTemplate, databaseUrl, dropTemplate } from './template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateLocation: string;
  }
}

export default async function setup(project: TestProject) {
  const started = performance.now();
  const location = await buildTemplate();
  const backend = databaseUrl() ? 'PostgreSQL' : 'embedded PGlite';
  console.log(`test database template (${backend}) ready in ${Math.round(performance.now() - started)} ms`);
  project.provide('templateLocation', location);
  return async () => dropTemplate(location);
}
