/**
 * A message's text in events not yet sent: the outbox and the dead letters
 * hold copies of it (its `message.created`, its `message.edited` events, the
 * replies that quote it), and keep only its latest version, as the history
 * does (history.ts): an edit rewrites every copy, a delete blanks every copy
 * and marks it `deleted`, in the same transaction as the change. A receiver
 * that was down meanwhile gets each event as a member resuming would, and no
 * stored row keeps text its author took back.
 */
import { snippetOf } from "../../../shared/events";

const TABLES = ["webhook_outbox", "webhook_dead"] as const;

/** The message's own event, its edit events, and the replies that quote it: `?` is its seq each time. */
const OWN = "type = 'message.created' AND json_extract(body, '$.data.seq') = ?";
const EDITS = "type = 'message.edited' AND json_extract(body, '$.data.target') = ?";
const REPLIES = "type = 'message.created' AND json_extract(body, '$.data.replyTo.seq') = ?";

/** The message `seq` now reads `text` (and is marked edited) in every event not yet sent. */
export function rewriteCopies(sql: SqlStorage, seq: number, text: string): void {
  for (const table of TABLES) {
    sql.exec(`UPDATE ${table} SET body = json_set(body, '$.data.text', ?, '$.data.edited', json('true')) WHERE ${OWN}`, text, seq);
    sql.exec(`UPDATE ${table} SET body = json_set(body, '$.data.text', ?) WHERE ${EDITS}`, text, seq);
    sql.exec(`UPDATE ${table} SET body = json_set(body, '$.data.replyTo.snippet', ?) WHERE ${REPLIES}`, snippetOf(text), seq);
  }
}

/** The message `seq` is a tombstone in every event not yet sent: no text, no reply it made, marked deleted. */
export function tombstoneCopies(sql: SqlStorage, seq: number): void {
  for (const table of TABLES) {
    sql.exec(
      `UPDATE ${table} SET body = json_set(json_remove(body, '$.data.replyTo', '$.data.edited'), '$.data.text', '', '$.data.deleted', json('true')) WHERE ${OWN}`,
      seq,
    );
    sql.exec(`UPDATE ${table} SET body = json_set(body, '$.data.text', '', '$.data.deleted', json('true')) WHERE ${EDITS}`, seq);
    sql.exec(
      `UPDATE ${table} SET body = json_set(body, '$.data.replyTo.snippet', '', '$.data.replyTo.deleted', json('true')) WHERE ${REPLIES}`,
      seq,
    );
  }
}
