export { SANDBOX_IDS, SANDBOX_PEOPLE } from './fixtures.ts';
export { startRegistrySandbox, type RegistrySandbox, type RegistrySandboxOptions } from './server.ts';
