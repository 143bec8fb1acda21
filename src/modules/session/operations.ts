import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Input, Secret } from '../../vapi/wire.ts';
import { CisSessionInfo, sessionToWire, SnapserviceSessionInfo } from './schemas.ts';
import { createSession, deleteSession, getSession } from './sessions.ts';

/** vCenter's session resource, and the same three operations under snapservice (added in 9.0). */
function sessionResource(service: string, path: string, since: string, info: typeof CisSessionInfo): Operation[] {
  return [
    defineOperation({
      service, name: 'create', since, auth: 'password',
      rest: { method: 'POST', path, status: 201 },
      input: Input({}),
      output: Secret(),
      handler: (call) => createSession(call),
    }),
    defineOperation({
      service, name: 'get', since, auth: 'session', readOnly: true,
      rest: { method: 'GET', path },
      input: Input({}),
      output: info,
      handler: async (call) => sessionToWire(await getSession(call)),
    }),
    defineOperation({
      service, name: 'delete', since, auth: 'session',
      rest: { method: 'DELETE', path },
      input: Input({}),
      handler: (call) => deleteSession(call),
    }),
  ];
}

export const sessionOperations: Operation[] = [
  ...sessionResource('com.vmware.cis.session', '/api/session', '6.7.1', CisSessionInfo),
  ...sessionResource('com.vmware.snapservice.sessions', '/api/snapservice/sessions', '9.0.0.0', SnapserviceSessionInfo),
];
