/**
 * Regenerates src/client/schema.ts (the typed client's types) from the OpenAPI document the server serves:
 * `npm run generate:client`. test/api/openapi.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';
import { buildOpenApiDocument } from '../src/api/openapi.js';
import { API_ROUTES } from '../src/api/routes/index.js';

export const CLIENT_SCHEMA_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../src/client/schema.ts',
);

const HEADER = `/**
 * Generated from the DataSync OpenAPI document by \`npm run generate:client\`. Do not edit: change the route
 * declarations in src/api/routes/ and regenerate.
 */
`;

/** The client types as they should be committed, formatted with the project's prettier settings. */
export async function generateClientTypes(): Promise<string> {
  const document = buildOpenApiDocument(API_ROUTES);
  const ast = await openapiTS(document as never, { alphabetize: false });
  const options = (await prettier.resolveConfig(CLIENT_SCHEMA_FILE)) ?? {};
  return prettier.format(HEADER + astToString(ast), { ...options, filepath: CLIENT_SCHEMA_FILE });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(CLIENT_SCHEMA_FILE, await generateClientTypes());
  console.log(`wrote ${path.relative(process.cwd(), CLIENT_SCHEMA_FILE)}`);
}
