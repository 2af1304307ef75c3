/**
 * The platform `parley/client` may use: what browsers and Node 22+ both
 * have, and nothing of the DOM. tsconfig.package.json checks the package
 * with these declarations instead of the DOM library or Node's types, so a
 * use of anything else fails the build. (WebSocket, fetch and crypto are
 * reached through `globalThis` with the client's own minimal types.)
 *
 * Only for that check: the root tsconfig excludes this file (the Workers
 * types declare the same names), and it is not part of the emitted types.
 */

declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function atob(data: string): string;

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  decode(input?: Uint8Array): string;
}

declare class URLSearchParams {
  constructor(init?: Record<string, string>);
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  toString(): string;
}
