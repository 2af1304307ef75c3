// The Worker's entry point: the router, and the Durable Object classes that
// wrangler.toml binds as ROOMS and LIMITER.
export { default } from "./worker";
export { Room } from "./room";
export { ConnectionLimiter } from "./limiter";
