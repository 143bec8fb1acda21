/**
 * Contract checks against the vendor's OpenAPI documents.
 *
 * The documents live beside the repository (`../shared/spec/`, or the directory named by
 * CONTRACT_SPEC_DIR, absolute or relative to the repository root). When they are absent (a
 * clone outside this workspace) every check here is off and `contractSkipReason()` says why.
 *
 * `checkResponse` is called by the test helpers (`t.req` in app.ts, `request` in cli.ts) for
 * every response a test receives. It matches the request to the spec operation (method, path,
 * `action`, `vmw-task`, and any other fixed query value in the spec's path key), then checks
 * that the status is one the operation declares and that the body fits the schema declared for
 * that status (Ajv; 204 and other content-less responses must carry no body). Violations are
 * collected and fail the running test from an afterEach hook, so a response that a test never
 * looks at is checked all the same.
 *
 * This module must stay free of vitest imports at load time: scripts (coverage, later
 * operations) use the spec model outside a test run.
 *
 * This file is the public entry (tests, scripts and docs name it); the parts live in contract/:
 * spec.ts (where the documents are, the operations they declare), model.ts (operation model,
 * endpoint keys, releases), schema.ts (OpenAPI -> Ajv schemas), contract.ts (the compiled
 * contract, loaded once), match.ts (request -> operation), check.ts (one response's verdict),
 * deviations.ts (the allow-list, EXTENSIONS, exemptions), collect.ts (violations and coverage
 * hits of a test run).
 */
export { checkResponse, ContractViolation, HITS_DIR_ENV, takeViolations, type Hit } from './contract/collect.ts';
export { Contract, contractSkipReason, getContract } from './contract/contract.ts';
export { DEVIATIONS, exemption } from './contract/deviations.ts';
export {
  compareRelease,
  displayName,
  endpointKey,
  opEndpoint,
  sinceOf,
  type CheckResult,
  type ObservedResponse,
  type SpecOperation,
  type SpecParameter,
  type SpecResponse,
} from './contract/model.ts';
export { REPO_ROOT, SERVED_RELEASE, SPEC_DIR_ENV, SPEC_FILES, specDir, specPath, type SpecName } from './contract/spec.ts';
