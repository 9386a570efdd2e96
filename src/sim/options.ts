/** Options of `startSimulator`, their defaults, and their validation. */
import type { SimClockOptions } from "./clock.ts";
import type { FaultRule } from "./faults/fault-rules.ts";
import { faultRulesSchema } from "./faults/fault-rules.ts";
import type { TenantOptions } from "./generate/tenant.ts";
import {
  resolveMessageVolume,
  type MessageVolume,
  type MessageVolumeOptions,
} from "./generate/message-volume.ts";
import type { OperationTimings } from "./tenant/create-chat.ts";

/** The bearer token always accepted unless `token` says otherwise. */
export const DEFAULT_SIM_TOKEN = "sim-access-token";
export const DEFAULT_CLIENT_ID = "5ca1ab1e-0000-4000-8000-000000000001";
export const DEFAULT_CLIENT_SECRET = "sim-client-secret";

export interface SimulatorOptions extends TenantOptions {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 0: a free one; read `Simulator.port`). */
  readonly port?: number;
  /** Static bearer token accepted besides the ones the token endpoint issues (default `sim-access-token`). */
  readonly token?: string;
  /** The one app registration the token endpoint knows. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** `expires_in` of issued tokens (default 3599). */
  readonly tokenLifetimeSeconds?: number;
  /** Throttling: 1 = Graph's limits (default), 10 = ten times higher, 0 = unlimited. */
  readonly rateScale?: number;
  /** Token bucket size in seconds of rate (default 1). */
  readonly burstSeconds?: number;
  /** How early a paced request may arrive and still pass (default 50 ms). */
  readonly toleranceMs?: number;
  /** Added to every Graph and auth response (default 0). */
  readonly latencyMs?: number;
  /**
   * Varies each response's latency uniformly within ± this many ms (default 0), from the
   * seed: the same seed draws the same sequence of delays.
   */
  readonly latencyJitterMs?: number;
  /** Fault rules active from the start (default none). */
  readonly faults?: readonly FaultRule[];
  /** Serve https with a self-signed certificate made at start (default false). */
  readonly tls?: boolean;
  /** The simulated clock (default: manual, starting 2024-06-03T09:00:00Z). */
  readonly clock?: SimClockOptions;
  /** How many messages generated chats hold (generated lazily, per chat, from the seed). */
  readonly messages?: MessageVolumeOptions;
  /** How fast a POST /chats app-install operation runs, in simulated ms. */
  readonly operationTimings?: Partial<OperationTimings>;
  /** Quirk: list responses show lastUpdatedDateTime up to this many ms earlier than GET (default 0: off). */
  readonly listLastUpdatedSkewMs?: number;
  /** Default page size of GET /chats/{id}/members (default 100). */
  readonly membersPageSize?: number;
  /** Request log entries kept for `stats()` (default 10,000; 0 keeps none). */
  readonly requestLogLimit?: number;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenLifetimeSeconds: number;
  readonly rateScale: number;
  readonly burstSeconds: number;
  readonly toleranceMs: number;
  readonly latencyMs: number;
  readonly latencyJitterMs: number;
  readonly faults: readonly FaultRule[];
  readonly tls: boolean;
  readonly operationTimings: OperationTimings;
  readonly messages: MessageVolume;
  readonly listLastUpdatedSkewMs: number;
  readonly membersPageSize: number;
  readonly requestLogLimit: number;
}

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    token: options.token ?? DEFAULT_SIM_TOKEN,
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    rateScale: options.rateScale ?? 1,
    burstSeconds: options.burstSeconds ?? 1,
    toleranceMs: options.toleranceMs ?? 50,
    latencyMs: options.latencyMs ?? 0,
    latencyJitterMs: options.latencyJitterMs ?? 0,
    faults: faultRulesSchema.parse(options.faults ?? []),
    tls: options.tls ?? false,
    operationTimings: {
      startAfterMs: options.operationTimings?.startAfterMs ?? 5_000,
      completeAfterMs: options.operationTimings?.completeAfterMs ?? 35_000,
    },
    messages: resolveMessageVolume(options.messages),
    listLastUpdatedSkewMs: options.listLastUpdatedSkewMs ?? 0,
    membersPageSize: options.membersPageSize ?? 100,
    requestLogLimit: options.requestLogLimit ?? 10_000,
  };
  const nonNegative: (keyof ResolvedOptions)[] = [
    "port",
    "rateScale",
    "burstSeconds",
    "toleranceMs",
    "latencyMs",
    "latencyJitterMs",
    "listLastUpdatedSkewMs",
    "requestLogLimit",
  ];
  for (const key of nonNegative) {
    const value = resolved[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `simulator option ${key} must be a non-negative number, got ${String(value)}`,
      );
    }
  }
  if (!Number.isInteger(resolved.port) || resolved.port > 65535)
    throw new RangeError(`invalid port ${resolved.port}`);
  if (!(resolved.membersPageSize >= 1)) throw new RangeError("membersPageSize must be at least 1");
  if (resolved.token === "") throw new RangeError("token must not be empty");
  return Object.freeze(resolved);
}
