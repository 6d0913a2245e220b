// The five ES9+ functions bound to one SM-DP+ context, each recording its rejections.

import type { RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { RspFunctionError } from '../../common/rsp-error.ts';
import type { SmdppContext } from '../context.ts';
import { authenticateClient } from './authenticate-client.ts';
import { cancelSession } from './cancel-session.ts';
import { type BoundPackage, getBoundProfilePackage } from './get-bound-profile-package.ts';
import { handleNotification } from './handle-notification.ts';
import { initiateAuthentication } from './initiate-authentication.ts';

export interface Es9Functions {
  initiateAuthentication(req: R.InitiateAuthenticationRequest): Promise<R.InitiateAuthenticationOkEs9>;
  authenticateClient(req: R.AuthenticateClientRequest): Promise<R.AuthenticateClientOk>;
  getBoundProfilePackage(req: R.GetBoundProfilePackageRequest): Promise<BoundPackage>;
  handleNotification(req: R.PendingNotification): Promise<void>;
  cancelSession(req: R.CancelSessionRequestEs9): Promise<void>;
}

function recorded<A, T>(ctx: SmdppContext, fn: (ctx: SmdppContext, a: A) => Promise<T>): (a: A) => Promise<T> {
  return async (a) => {
    try {
      return await fn(ctx, a);
    } catch (err) {
      if (err instanceof RspFunctionError) ctx.recorder.record({ type: 'rejected', function: err.function, error: err.errorName, status: err.status });
      throw err;
    }
  };
}

export function es9Functions(ctx: SmdppContext): Es9Functions {
  return {
    initiateAuthentication: recorded(ctx, initiateAuthentication),
    authenticateClient: recorded(ctx, authenticateClient),
    getBoundProfilePackage: recorded(ctx, getBoundProfilePackage),
    handleNotification: recorded(ctx, handleNotification),
    cancelSession: recorded(ctx, cancelSession),
  };
}
