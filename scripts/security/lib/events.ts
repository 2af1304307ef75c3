/** What the server sends, as far as the attacks read it (a JSON event, or a stored message over HTTP). */

export interface ServerEvent {
  type: string;
  id?: string;
  /** An error's reference to the frame it refuses. */
  ref?: string;
  code?: string;
  text?: string;
  seq?: number;
  from?: { nick?: string };
  /** `joined`'s first page of stored messages. */
  history?: ServerEvent[];
}

export const isType =
  (type: string) =>
  (e: ServerEvent): boolean =>
    e.type === type;

/** The message event with this id, or an error that names it. */
export const answerTo =
  (id: string) =>
  (e: ServerEvent): boolean =>
    (e.type === "message" && e.id === id) || (e.type === "error" && e.ref === id);
