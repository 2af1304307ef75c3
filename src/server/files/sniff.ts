/**
 * What a file is, decided from its bytes (magic numbers), never from what the
 * client said: a raster image (PNG, JPEG, GIF, WebP) with its width and
 * height, a PDF, a ZIP, UTF-8 text, or else opaque bytes. SVG and HTML are
 * text here: served as text/plain and as downloads, never rendered.
 */

export interface Sniffed {
  type: string;
  width?: number;
  height?: number;
}

/** The raster image types a browser may show inline; nothing else ever is. */
export const INLINE_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

const startsWith = (b: Uint8Array, bytes: number[], at = 0) => bytes.every((x, i) => b[at + i] === x);
const ascii = (b: Uint8Array, text: string, at = 0) =>
  startsWith(
    b,
    [...text].map((c) => c.charCodeAt(0)),
    at,
  );

export function sniff(bytes: Uint8Array): Sniffed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) && bytes.length >= 24) {
    return { type: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { type: "image/jpeg", ...jpegSize(bytes, view) };
  if ((ascii(bytes, "GIF87a") || ascii(bytes, "GIF89a")) && bytes.length >= 10) {
    return { type: "image/gif", width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (ascii(bytes, "RIFF") && ascii(bytes, "WEBP", 8)) return { type: "image/webp", ...webpSize(bytes, view) };
  if (ascii(bytes, "%PDF-")) return { type: "application/pdf" };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return { type: "application/zip" };
  return { type: isText(bytes) ? "text/plain; charset=utf-8" : "application/octet-stream" };
}

/** A JPEG's size, from its first start-of-frame marker. */
function jpegSize(bytes: Uint8Array, view: DataView): { width?: number; height?: number } {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return {};
    const marker = bytes[at + 1] ?? 0;
    const length = view.getUint16(at + 2);
    // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return {};
}

/** A WebP's size, from its VP8, VP8L or VP8X chunk. */
function webpSize(bytes: Uint8Array, view: DataView): { width?: number; height?: number } {
  if (bytes.length < 30) return {};
  if (ascii(bytes, "VP8 ", 12)) return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  if (ascii(bytes, "VP8L", 12)) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (ascii(bytes, "VP8X", 12)) {
    const u24 = (at: number) => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16);
    return { width: u24(24) + 1, height: u24(27) + 1 };
  }
  return {};
}

/** Whether the bytes are UTF-8 text without NULs (what a text file is). */
function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
