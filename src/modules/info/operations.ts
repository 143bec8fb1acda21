import { Type } from '@sinclair/typebox';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Input, Struct } from '../../vapi/wire.ts';

/** The appliance build this server answers as (vSphere API 8.0.3 surface). */
export const SERVICE_VERSION = '8.0.3.0';

export const AboutInfo = Struct('com.vmware.snapservice.info.about.info', { version: Type.String() });

export const infoOperations: Operation[] = [
  defineOperation({
    service: 'com.vmware.snapservice.info.about', name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: '/api/snapservice/info/about' },
    input: Input({}),
    output: AboutInfo,
    handler: async () => ({ version: SERVICE_VERSION }),
  }),
];
