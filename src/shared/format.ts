/**
 * The four wire formats that share a room, the subprotocol that picks each,
 * and how an event is rendered in each:
 * - `text`: plain lines (`batman : hello`), for clients that offer no
 *   subprotocol — the in-band-join protocol's clients (docs/in-band-join.md);
 * - `v1`: one {@link ServerEvent} per frame, for clients that offer
 *   {@link SUBPROTOCOL} (parley.v1);
 * - `v2`: a JSON array of events per frame ({@link SUBPROTOCOL_V2});
 * - `lines`: text lines, a turn's in one frame ({@link SUBPROTOCOL_LINES}):
 *   the relay's upstream socket.
 */
import type { ServerEvent } from "./events";

/** The WebSocket subprotocol that selects JSON events, one per frame. */
export const SUBPROTOCOL = "parley.v1";

/**
 * The subprotocol that selects JSON events gathered per turn: every frame is
 * a JSON array of events, everything one turn of the room releases to the
 * client (a whole group commit's messages, say) in one frame.
 */
export const SUBPROTOCOL_V2 = "parley.v2";

/**
 * Text lines gathered per turn: each frame holds everything one turn of the room says,
 * one line per line (a text line never holds a line break; see oneLine). The
 * relay asks for it on its upstream socket and hands the lines on one by one,
 * so a group commit crosses from the room to the relay as one frame.
 */
export const SUBPROTOCOL_LINES = "parley.lines";

/**
 * How a client hears the room: text lines, JSON events one per frame (v1),
 * JSON arrays of events (v2), or text lines gathered per turn (the relay's upstream).
 */
export type Format = "text" | "v1" | "v2" | "lines";

/** The subprotocol a format is chosen by, or null for text. */
export function subprotocolOf(format: Format): string | null {
  return { text: null, v1: SUBPROTOCOL, v2: SUBPROTOCOL_V2, lines: SUBPROTOCOL_LINES }[format];
}

/** The liveness probe a client may send (not JSON), and its answer. */
export const PING = "ping";
export const PONG = "pong";

// Anything that could end a line on a text client's screen, or steer its
// terminal: CR/LF pairs count once.
const LINE_BREAK = /\r\n|[\n\v\f\r\u0085\u2028\u2029]/g;
const OTHER_CONTROL = /[\p{Cc}]/gu;

/**
 * A message's text as one line: each line break becomes " ↵ " and any other
 * control character U+FFFD, so a message can never show as several lines
 * that look like other people's (`hi\r\nbatman : meet me at…`). JSON
 * clients get the text exactly as sent.
 */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAK, " \u21B5 ").replace(OTHER_CONTROL, (c) => (c === "\t" ? c : "\uFFFD"));
}

/**
 * Renders an event as a text line, or `null` where text clients get nothing
 * (presence). `nick` is the receiving member's own nick, which the join and
 * leave lines repeat.
 */
export function toTextLine(event: ServerEvent, nick: string): string | null {
  switch (event.type) {
    case "joined":
      return `${nick} join room ${event.room} success .`;
    case "message":
      return `${event.from.nick} : ${oneLine(event.text)}`;
    case "left":
      return `${nick} leave room ${event.room} success .`;
    case "error":
      return `error: ${event.message}`;
    case "moderation": {
      const who = event.nick ?? event.member;
      const verb = { kick: "was kicked", ban: "was banned", unban: "was unbanned", mute: "was muted" }[event.action];
      return `* ${who} ${verb} by ${event.by.nick}${event.reason ? `: ${oneLine(event.reason)}` : ""}`;
    }
    case "delete":
      return `* ${event.from.nick} deleted message ${event.target}`;
    case "edit":
      return `* ${event.from.nick} edited message ${event.target}: ${oneLine(event.text)}`;
    case "reaction":
    case "typing":
    case "presence":
    case "presence_changes":
    case "members":
    case "search":
    case "receipts":
      return null;
  }
}

/** Renders one event as a frame of its own in the given format; `null` means "send nothing". */
export function encode(event: ServerEvent, format: Format, nick: string): string | null {
  if (format === "text" || format === "lines") return toTextLine(event, nick);
  const json = JSON.stringify(event);
  return format === "v2" ? `[${json}]` : json;
}

/** Picks the format from the subprotocols a client offered (`Sec-WebSocket-Protocol`): v2 over v1 over text. */
export function formatFromOffer(offer: string | null): Format {
  if (!offer) return "text";
  const offered = offer.split(",").map((p) => p.trim());
  if (offered.includes(SUBPROTOCOL_V2)) return "v2";
  if (offered.includes(SUBPROTOCOL)) return "v1";
  return offered.includes(SUBPROTOCOL_LINES) ? "lines" : "text";
}
