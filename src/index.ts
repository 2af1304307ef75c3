// The Worker's entry point: the router, and the Durable Object classes that
// wrangler.toml binds as ROOMS, SHARDS and LIMITER.

export { AddressLimiter } from "./server/http/address-limiter";
export { default } from "./server/http/app";
export { Room } from "./server/room/room";
export { RoomShard } from "./server/shard/shard";
