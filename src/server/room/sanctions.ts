/**
 * Bans and mutes, kept in the room's storage so they survive evictions and
 * restarts, and what the room must know of members who are not connected to
 * keep role order when one is sanctioned (docs/protocol.md, Moderation).
 *
 * An identity is a token member's `sub:` or an anonymous member's hashed
 * address (`addr:`); `member` is the member id the moderator named, so that
 * an unban can name it again. Each sanction records the role of whoever
 * placed it: it binds only members below that role, judged by the role they
 * hold when it would bite, so no ban or mute can lock out a peer or a
 * superior, present or not.
 *
 * Three small tables, each created at its first write (a room that never
 * sanctioned anyone, and where no moderator or owner came and no anonymous
 * member spoke, writes nothing):
 * - `sanctions`: the bans and mutes;
 * - `roles`: the role each moderator and owner last entered with (a member or
 *   a reader is stored by deleting its row: unknown identities are members);
 * - `speakers`: the hashed address behind each anonymous member id that said
 *   something, so that a ban placed after it left still reaches its address.
 *
 * `sanctions` and `roles` are read once per wake into memory, so the checks
 * on the hot path (each connect, each spoken frame) are map lookups.
 */
import { ANONYMOUS_ROLE, atLeast, isRole, mayModerate, type Role } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import type { ErrorEvent } from "../../shared/events";
import type { Attachment } from "./attachment";
import { tableExists } from "./storage";

type SanctionKind = "ban" | "mute";

export interface Sanction {
  identity: string;
  kind: SanctionKind;
  member: string;
  /** Epoch ms; null for no end. */
  until: number | null;
  reason: string | null;
  /** The role of whoever placed it: it binds only members below this role. */
  by: Role;
}

/** Who speaks (sends, posts, edits, reacts, moderates, types), as the one speech check sees it. */
export interface Speaker {
  identity: string;
  role: Role;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS sanctions (
  identity TEXT NOT NULL,
  kind TEXT NOT NULL,
  member TEXT NOT NULL,
  until INTEGER,
  reason TEXT,
  role TEXT,
  PRIMARY KEY (identity, kind)
) WITHOUT ROWID`;

const ROLES_SCHEMA = "CREATE TABLE IF NOT EXISTS roles (identity TEXT PRIMARY KEY, role TEXT NOT NULL) WITHOUT ROWID";

const SPEAKERS_SCHEMA = "CREATE TABLE IF NOT EXISTS speakers (member TEXT PRIMARY KEY, identity TEXT NOT NULL)";

/**
 * Who placed a sanction stored before roles were recorded: moderators were
 * the least who could, so it still binds members and readers, never a
 * moderator or an owner.
 */
const LEGACY_PLACER: Role = "moderator";

/** How many anonymous speakers the room remembers, newest first: as many as the messages it keeps by default. */
const SPEAKERS_KEPT = 10_000;

export class Sanctions {
  private cache: Map<string, Sanction> | undefined;
  private roles: Map<string, Role> | undefined;
  /** Anonymous speakers already written this wake, so each costs one write per connection. */
  private readonly spoken = new WeakSet<Attachment>();

  constructor(private readonly sql: SqlStorage) {}

  /** Forgets what this object read of storage, after a transaction that wrote to it rolled back (parts.ts). */
  forget(): void {
    this.cache = undefined;
    this.roles = undefined;
  }

  /** The sanction of this kind in force on `identity` at `now`, whoever it binds. */
  inForce(identity: string, kind: SanctionKind, now: number): Sanction | undefined {
    const s = this.all().get(`${kind}:${identity}`);
    return s && (s.until === null || s.until > now) ? s : undefined;
  }

  /** The sanction of this kind that binds `identity` holding `role` at `now`: in force, and placed by a higher role. */
  binding(identity: string, kind: SanctionKind, role: Role, now: number): Sanction | undefined {
    const s = this.inForce(identity, kind, now);
    return s && mayModerate(s.by, role) ? s : undefined;
  }

  put(s: Sanction): void {
    const all = this.all(); // first: it adds the role column to a table stored before it
    this.sql.exec(SCHEMA);
    this.sql.exec(
      "INSERT OR REPLACE INTO sanctions (identity, kind, member, until, reason, role) VALUES (?, ?, ?, ?, ?, ?)",
      s.identity,
      s.kind,
      s.member,
      s.until,
      s.reason,
      s.by,
    );
    all.set(`${s.kind}:${s.identity}`, s);
  }

  /** Every ban and mute in force at `now` (the operator's view). */
  current(now: number): Sanction[] {
    return [...this.all().values()].filter((s) => s.until === null || s.until > now);
  }

  /** Lifts the sanction of `kind` on `identity`. */
  lift(identity: string, kind: SanctionKind): void {
    if (!this.all().delete(`${kind}:${identity}`)) return;
    this.sql.exec("DELETE FROM sanctions WHERE identity = ? AND kind = ?", identity, kind);
  }

  /**
   * The identity behind a member id that is not connected: the one it was
   * sanctioned under before, or the address of an anonymous member that
   * spoke; undefined when the room knows neither.
   */
  identityOf(member: string): string | undefined {
    for (const s of this.all().values()) if (s.member === member) return s.identity;
    if (!tableExists(this.sql, "speakers")) return undefined;
    return this.sql.exec<{ identity: string }>("SELECT identity FROM speakers WHERE member = ?", member).toArray()[0]?.identity;
  }

  /** The role `identity` last entered with; a member when the room never saw it above that. */
  roleOf(identity: string): Role {
    return this.knownRoles().get(identity) ?? ANONYMOUS_ROLE;
  }

  /** Records the role `identity` entered with, writing only when it changes what {@link roleOf} says. */
  entered(identity: string, role: Role): void {
    const roles = this.knownRoles();
    if (this.roleOf(identity) === role) return;
    if (atLeast(role, "moderator")) {
      this.sql.exec(ROLES_SCHEMA);
      this.sql.exec("INSERT OR REPLACE INTO roles (identity, role) VALUES (?, ?)", identity, role);
      roles.set(identity, role);
    } else if (roles.delete(identity)) {
      this.sql.exec("DELETE FROM roles WHERE identity = ?", identity);
    }
  }

  /**
   * Remembers the address behind an anonymous member that says something
   * stored, once per connection; the oldest are forgotten beyond SPEAKERS_KEPT.
   */
  spoke(att: Attachment): void {
    if (!att.identity.startsWith("addr:") || this.spoken.has(att)) return;
    this.spoken.add(att);
    this.sql.exec(SPEAKERS_SCHEMA);
    const [row] = this.sql
      .exec<{ rowid: number }>("INSERT OR IGNORE INTO speakers (member, identity) VALUES (?, ?) RETURNING rowid", att.id, att.identity)
      .toArray();
    if (row && row.rowid > SPEAKERS_KEPT) this.sql.exec("DELETE FROM speakers WHERE rowid <= ?", row.rowid - SPEAKERS_KEPT);
  }

  private all(): Map<string, Sanction> {
    // Built whole before it is kept: a read that throws leaves no empty map behind to let everyone in.
    if (!this.cache) {
      const cache = new Map<string, Sanction>();
      const schema = tableExists(this.sql, "sanctions");
      if (schema) {
        // Stored before sanctions recorded who placed them.
        if (!/\brole\b/.test(schema)) this.sql.exec("ALTER TABLE sanctions ADD COLUMN role TEXT");
        for (const row of this.sql.exec<Omit<Sanction, "by"> & { role: string | null } & Record<string, SqlStorageValue>>(
          "SELECT identity, kind, member, until, reason, role FROM sanctions",
        )) {
          const { role, ...s } = row;
          cache.set(`${s.kind}:${s.identity}`, { ...s, by: isRole(role) ? role : LEGACY_PLACER });
        }
      }
      this.cache = cache;
    }
    return this.cache;
  }

  private knownRoles(): Map<string, Role> {
    if (!this.roles) {
      const roles = new Map<string, Role>();
      if (tableExists(this.sql, "roles")) {
        for (const { identity, role } of this.sql.exec<{ identity: string; role: string }>("SELECT identity, role FROM roles")) {
          if (isRole(role)) roles.set(identity, role);
        }
      }
      this.roles = roles;
    }
    return this.roles;
  }
}

/**
 * The one check every way of speaking goes through — a frame whose handler
 * is marked `speech` (actions.ts) on either socket path, and an HTTP post
 * (say.ts): why `speaker` may not speak in `room` now, or undefined. A
 * reader never speaks; a ban or a mute binds it only when placed by a
 * higher role than the speaker holds now.
 */
export function silenced(sanctions: Sanctions, room: string, speaker: Speaker, now: number, ref?: string): ErrorEvent | undefined {
  if (!atLeast(speaker.role, "member")) return refusal.forbidden("readers may only listen", ref);
  const ban = sanctions.binding(speaker.identity, "ban", speaker.role, now);
  if (ban) return refusal.banned(room, ban.reason ?? undefined);
  const mute = sanctions.binding(speaker.identity, "mute", speaker.role, now);
  return mute ? refusal.muted(mute.until ?? now, ref) : undefined;
}
