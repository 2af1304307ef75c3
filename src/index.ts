// The Worker's entry point: the router, and the Durable Object classes that
// wrangler.toml binds as ROOMS, SHARDS, LIMITER, PERSONS and DIRECTORY.

export { AddressLimiter } from "./server/http/address-limiter";
export { default } from "./server/http/app";
export { Directory } from "./server/operator/directory";
export { Person } from "./server/person/person";
export { Room } from "./server/room/room";
export { RoomShard } from "./server/shard/shard";
