// The Worker's entry point: the router, and the Durable Object classes that
// wrangler.toml binds as ROOMS, SHARDS, LIMITER and PERSONS.

export { AddressLimiter } from "./server/http/address-limiter";
export { default } from "./server/http/app";
export { Person } from "./server/person/person";
export { Room } from "./server/room/room";
export { RoomShard } from "./server/shard/shard";
