/**
 * Files in R2 (the FILES bucket), one object per file under
 * `<room>/<id>`, with what Parley knows of it in the object's metadata: its
 * name, its type as the bytes showed it (sniff.ts), its size and, for an
 * image, its dimensions, who uploaded it, when, and the message it was
 * attached to.
 */
import type { Sniffed } from "./sniff";

/** A stored file as a message and an upload's answer show it. */
export interface FileInfo {
  id: string;
  name: string;
  type: string;
  size: number;
  url: string;
  width?: number;
  height?: number;
}

/** What Parley keeps beside a file's bytes (R2 custom metadata is strings). */
interface FileMeta extends Record<string, string> {
  name: string;
  type: string;
  size: string;
  width: string;
  height: string;
  /** Who uploaded it: the sender its messages are sent as (attachment.ts's Sender). */
  sender: string;
  uploaded: string;
}

export const fileKey = (room: string, id: string) => `${room}/${id}`;

/** Where a file is served. */
export const fileUrl = (room: string, id: string) => `/api/rooms/${encodeURIComponent(room)}/files/${id}`;

/** A fresh file id: 20 hex characters from the platform's CSPRNG. */
export function newFileId(): string {
  return [...crypto.getRandomValues(new Uint8Array(10))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A file id as newFileId makes them (anything else names no file). */
export const isFileId = (id: string) => /^[0-9a-f]{20}$/.test(id);

export async function putFile(
  bucket: R2Bucket,
  room: string,
  file: { name: string; bytes: Uint8Array; sniffed: Sniffed; sender: string },
): Promise<FileInfo> {
  const id = newFileId();
  const { type, width, height } = file.sniffed;
  const meta: FileMeta = {
    name: file.name,
    type,
    size: String(file.bytes.byteLength),
    width: width === undefined ? "" : String(width),
    height: height === undefined ? "" : String(height),
    sender: file.sender,
    uploaded: String(Date.now()),
  };
  await bucket.put(fileKey(room, id), file.bytes, { httpMetadata: { contentType: type }, customMetadata: meta });
  return infoOf(room, id, meta);
}

/** A file's info from its stored metadata. */
export function infoOf(room: string, id: string, meta: Record<string, string>): FileInfo {
  const info: FileInfo = {
    id,
    name: meta.name ?? id,
    type: meta.type ?? "application/octet-stream",
    size: Number(meta.size ?? 0),
    url: fileUrl(room, id),
  };
  if (meta.width) info.width = Number(meta.width);
  if (meta.height) info.height = Number(meta.height);
  return info;
}
