// The Worker's entry point: the router, and the Durable Object classes that
// wrangler.toml binds as ROOMS and LIMITER.
export { default } from "./server/http/app";
export { ConnectionLimiter } from "./server/http/connection-limiter";
export { Room } from "./server/room/room";
