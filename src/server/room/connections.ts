/**
 * The room's live members: which sockets are in the room, with their
 * attachments, and sending to them. The truth is the sockets themselves
 * (`ctx.getWebSockets()` and each one's attachment); the map here is a cache,
 * rebuilt from them on the first use after every wake.
 */
import type { PresenceEvent, PresentMember, ServerEvent, StoredEvent } from "../../shared/events";
import { encode, toTextLine } from "../../shared/format";
import { trySend } from "../platform/socket";
import { type Attachment, presentMemberOf, readAttachment, writeAttachment } from "./attachment";

/** One member's socket and its state, as handlers see it. */
export interface Connection {
  ws: WebSocket;
  att: Attachment;
}

export class Connections {
  private cache: Map<WebSocket, Attachment> | undefined;
  /** Sockets whose departure was already handled (close and error can both fire). */
  private readonly departed = new WeakSet<WebSocket>();

  constructor(private readonly ctx: DurableObjectState) {}

  get size(): number {
    return this.live().size;
  }

  /** The connection of a socket that is still a member, or undefined. */
  get(ws: WebSocket): Connection | undefined {
    const att = this.live().get(ws);
    return att && { ws, att };
  }

  /** Makes a socket a member, with its state stored on the socket. */
  add(conn: Connection): void {
    writeAttachment(conn.ws, conn.att);
    this.live().set(conn.ws, conn.att);
  }

  /**
   * Removes a socket once, however it went; returns its attachment the first
   * time, so the caller announces the departure exactly once. `markLeft`
   * also records it on the socket, so a wake before the close completes
   * cannot bring the member back.
   */
  remove(ws: WebSocket, markLeft = false): Attachment | null {
    if (this.departed.has(ws)) return null;
    this.departed.add(ws);
    const live = this.live();
    const att = live.get(ws) ?? readAttachment(ws);
    live.delete(ws);
    if (!att || att.left) return null;
    if (markLeft) writeAttachment(ws, { ...att, left: true });
    return att;
  }

  members(): PresentMember[] {
    return [...this.live().values()].map(presentMemberOf);
  }

  /** The connections of one member (a token member may have several). */
  ofMember(id: string): Connection[] {
    const out: Connection[] = [];
    for (const [ws, att] of this.live()) if (att.id === id) out.push({ ws, att });
    return out;
  }

  /** Sends one event to one member, in its format; returns the frame's length (0 when nothing was sent). */
  send(conn: Connection, event: ServerEvent): number {
    const frame = encode(event, conn.att.format, conn.att.nick);
    return frame !== null && trySend(conn.ws, frame) ? frame.length : 0;
  }

  /**
   * Sends an event to every member but `except`. Each format is serialised
   * once per event, not once per socket: text lines for messages and presence
   * do not depend on the receiver.
   */
  broadcast(event: StoredEvent | PresenceEvent, except?: WebSocket): void {
    let json: string | undefined;
    let text: string | null | undefined;
    for (const [ws, att] of this.live()) {
      if (ws === except) continue;
      if (att.format === "json") {
        json ??= JSON.stringify(event);
        trySend(ws, json);
      } else {
        if (text === undefined) text = toTextLine(event, "");
        if (text !== null) trySend(ws, text);
      }
    }
  }

  private live(): Map<WebSocket, Attachment> {
    if (!this.cache) {
      this.cache = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = readAttachment(ws);
        if (att && !att.left && !this.departed.has(ws)) this.cache.set(ws, att);
      }
    }
    return this.cache;
  }
}
