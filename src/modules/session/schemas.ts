import { Type } from '@sinclair/typebox';
import type { Session } from '../../domain/model.ts';
import { DateTime, formatTime, Struct } from '../../vapi/wire.ts';

export const CisSessionInfo = Struct('com.vmware.cis.session.info', {
  user: Type.String(),
  created_time: DateTime(),
  last_accessed_time: DateTime(),
});

export const SnapserviceSessionInfo = Struct('com.vmware.snapservice.sessions.info', {
  user: Type.String(),
  created_time: DateTime(),
  last_accessed_time: DateTime(),
});

export function sessionToWire(s: Session) {
  return { user: s.user, created_time: formatTime(s.createdAt), last_accessed_time: formatTime(s.lastAccessedAt) };
}
