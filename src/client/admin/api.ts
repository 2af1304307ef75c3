/**
 * The operator's API (docs/protocol.md, "The operator's API"), as the /admin
 * page calls it: every request with `Authorization: Bearer <key>`, every
 * answer a Result. A 401 is told to `onUnauthorized` (the page signs out).
 */
import type { ErrorCode } from "../../shared/codes";
import { errorEvent } from "../../shared/events";
import type { ActiveRoom, RoomDetail, SanctionInForce } from "../../shared/operator";
import type { Result } from "../../shared/validate";

export type { ActiveRoom, RoomDetail, SanctionInForce };

/** A room's webhooks (`GET /api/admin/rooms/:room/webhooks`, on servers that have them). */
export interface WebhookStatus {
  enabled: boolean;
  backlog: number;
  dead: number;
  deadLetters: { id: string; type: string; attempts: number; error: string | null; failedAt: number }[];
}

const failure = <T>(code: string, message: string): Result<T> => ({ ok: false, error: errorEvent(code as ErrorCode, message) });

export class AdminApi {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void,
  ) {}

  rooms(): Promise<Result<{ rooms: ActiveRoom[] }>> {
    return this.call("GET", "/api/admin/rooms");
  }

  room(room: string): Promise<Result<RoomDetail>> {
    return this.call("GET", `/api/admin/rooms/${encodeURIComponent(room)}`);
  }

  /** Lifts a ban or mute: ok with null (204), or the refusal (404 when none was in force). */
  lift(room: string, member: string, kind: SanctionInForce["kind"]): Promise<Result<null>> {
    const path = `/api/admin/rooms/${encodeURIComponent(room)}/sanctions/${encodeURIComponent(member)}?kind=${kind}`;
    return this.call("DELETE", path);
  }

  webhooks(room: string): Promise<Result<WebhookStatus>> {
    return this.call("GET", `/api/admin/rooms/${encodeURIComponent(room)}/webhooks`);
  }

  replayWebhooks(room: string): Promise<Result<{ replayed: number }>> {
    return this.call("POST", `/api/admin/rooms/${encodeURIComponent(room)}/webhooks/replay`);
  }

  private async call<T>(method: string, path: string): Promise<Result<T>> {
    let res: Response;
    try {
      res = await fetch(path, { method, headers: { Authorization: `Bearer ${this.key}` }, cache: "no-store" });
    } catch (err) {
      return failure("internal", `the server did not answer (${String(err)})`);
    }
    if (res.status === 401) this.onUnauthorized();
    if (res.status === 204) return { ok: true, value: null as T };
    const body: unknown = await res.json().catch(() => null);
    if (res.ok) return { ok: true, value: body as T };
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    return failure(error?.code ?? "internal", error?.message ?? `HTTP ${res.status}`);
  }
}
