/**
 * What the room's storage helpers share. Touching a Durable Object's storage
 * creates it, so tables are made at their first write; until then, the only
 * read is of SQLite's own catalogue.
 */

/** The CREATE statement of a table, or undefined when the table does not exist. */
export function tableExists(sql: SqlStorage, name: string): string | undefined {
  return sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray()[0]?.sql;
}

/** Whether an index exists (a catalogue read, as for tables). */
export function indexExists(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", name).toArray().length > 0;
}
