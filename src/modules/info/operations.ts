import { Type } from '@sinclair/typebox';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { apiRelease } from '../../vapi/release.ts';
import { Input, Struct } from '../../vapi/wire.ts';

export const AboutInfo = Struct('com.vmware.snapservice.info.about.info', { version: Type.String() });

export const infoOperations: Operation[] = [
  defineOperation({
    service: 'com.vmware.snapservice.info.about', name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: '/api/snapservice/info/about' },
    input: Input({}),
    output: AboutInfo,
    // The appliance answers as the release it serves (--release).
    handler: async (call) => ({ version: apiRelease(call.deps.config.release) }),
  }),
];
