/**
 * Bans and mutes, kept in the room's storage so they survive evictions and
 * restarts. An identity is a token member's `sub:` or an anonymous member's
 * hashed address (`addr:`); `member` is the member id the moderator named,
 * so that an unban can name it again.
 *
 * The table is small; it is read once per wake into memory (after checking
 * that it exists, so a room that never sanctioned anyone writes nothing), and
 * every check on the hot path (each send, each connect) is a map lookup.
 */
import { tableExists } from "./storage";

export type SanctionKind = "ban" | "mute";

export interface Sanction {
  identity: string;
  kind: SanctionKind;
  member: string;
  /** Epoch ms; null for no end. */
  until: number | null;
  reason: string | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS sanctions (
  identity TEXT NOT NULL,
  kind TEXT NOT NULL,
  member TEXT NOT NULL,
  until INTEGER,
  reason TEXT,
  PRIMARY KEY (identity, kind)
) WITHOUT ROWID`;

export class Sanctions {
  private cache: Map<string, Sanction> | undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** The sanction of this kind in force on `identity` at `now`, if any. */
  active(identity: string, kind: SanctionKind, now: number): Sanction | undefined {
    const s = this.all().get(`${kind}:${identity}`);
    return s && (s.until === null || s.until > now) ? s : undefined;
  }

  put(s: Sanction): void {
    this.sql.exec(SCHEMA);
    this.sql.exec(
      "INSERT OR REPLACE INTO sanctions (identity, kind, member, until, reason) VALUES (?, ?, ?, ?, ?)",
      s.identity,
      s.kind,
      s.member,
      s.until,
      s.reason,
    );
    this.all().set(`${s.kind}:${s.identity}`, s);
  }

  /** Lifts every sanction of `kind` on the member a moderator named. */
  lift(member: string, kind: SanctionKind): void {
    const lifted = [...this.all().values()].filter((s) => s.member === member && s.kind === kind);
    for (const s of lifted) {
      this.sql.exec("DELETE FROM sanctions WHERE identity = ? AND kind = ?", s.identity, s.kind);
      this.all().delete(`${s.kind}:${s.identity}`);
    }
  }

  /** The identity a member id was sanctioned under, for a member no longer connected. */
  identityOf(member: string): string | undefined {
    for (const s of this.all().values()) if (s.member === member) return s.identity;
    return undefined;
  }

  private all(): Map<string, Sanction> {
    if (!this.cache) {
      this.cache = new Map();
      if (tableExists(this.sql, "sanctions")) {
        for (const s of this.sql.exec<Sanction & Record<string, SqlStorageValue>>(
          "SELECT identity, kind, member, until, reason FROM sanctions",
        )) {
          this.cache.set(`${s.kind}:${s.identity}`, { ...s });
        }
      }
    }
    return this.cache;
  }
}
