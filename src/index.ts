// The Worker's entry point: the router, and the Durable Object class that
// wrangler.toml binds as ROOMS.
export { default } from "./worker";
export { Room } from "./room";
