/**
 * Our own OpenAPI 3.0.3 description of the operations this server serves, generated from the
 * operation definitions (the same ones REST and JSON-RPC dispatch on), so it cannot drift.
 *
 * It follows the conventions of the vendor's published documents: the server URL is `/api`
 * and paths are relative to it; operations that share a method and path and differ by
 * `?action=` (or are task-only, `vmw-task=true`) get distinct path keys that carry that query
 * part; operationIds read `Snapservice.Clusters.VirtualMachines_revert$Task`; one tag per vAPI
 * service; structures are components named from their vAPI canonical name
 * (`com.vmware.snapservice.tasks.info` -> `Snapservice.Tasks.Info`).
 *
 * This file is the public entry; the parts live in openapi/: schemas.ts (TypeBox -> OpenAPI
 * schemas and components), operations.ts (one operation: names, parameters, body, responses),
 * document.ts (the top level).
 */
export { buildOpenApi, OPENAPI_VERSION, type OpenApiOptions } from './openapi/document.ts';
export { errorStatusesOf, operationIdOf, pathKeyOf, successStatusOf } from './openapi/operations.ts';
export { vapiTypeName } from './openapi/schemas.ts';
