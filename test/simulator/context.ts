/** What every route handler receives. */
import { IncomingMessage, ServerResponse } from 'node:http';
import { FaultQueue } from './faults';
import { AccountState } from './state';
import { RuntimeOptions } from './types';

export interface SimulatorCore {
  readonly state: AccountState;
  readonly options: RuntimeOptions;
  readonly faults: FaultQueue;
  now(): Date;
  origin(): string;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Path below the API base, e.g. '/key' for '/api/v1/key'. */
  route: string;
  query: URLSearchParams;
  body: unknown;
  /** Set when the body was present but not valid JSON. */
  bodyInvalid: boolean;
  core: SimulatorCore;
}

export type RouteHandler = (ctx: RequestContext, params: string[]) => void | Promise<void>;
