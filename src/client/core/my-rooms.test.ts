// The client's rooms (my-rooms.ts, marker.ts): the server's list with a
// token, the local one without, read markers (forward only; `read` frames
// for a token member, the markers store for an anonymous one) and mentions.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MyRoom } from "../../shared/my-rooms";
import { client, echo, FakeSocket, fakeApi, joined, me, message, other, settle, useFakes } from "./fakes";
import { countAfter, memoryMarkers, parseLocalRooms } from "./my-rooms";

beforeEach(useFakes);
afterEach(() => {
  vi.useRealTimers();
});

const reads = (socket: FakeSocket) => socket.frames().filter((f) => f.action === "read");

describe("the server's list (a token)", () => {
  const listed: MyRoom[] = [{ room: "8888", access: "ok", lastSeq: 3, lastRead: 1, unread: 2, mentions: 1, lastMessage: null }];

  it("myRooms() answers GET /api/me/rooms with the client's token", async () => {
    const c = client({ token: "tok", api: { ...fakeApi(), me: { token: "tok", rooms: listed } } });
    await expect(c.myRooms()).resolves.toEqual(listed);
  });

  it("myRooms(token) rejects when the server refuses the token", async () => {
    const c = client({ api: { ...fakeApi(), me: { token: "tok", rooms: listed } } });
    await expect(c.myRooms("other")).rejects.toThrow(/401/);
  });

  it("forgetRoom() sends DELETE /api/me/rooms/:room with the token", async () => {
    const api = { ...fakeApi(), me: { token: "tok", rooms: listed } };
    await client({ token: "tok", api }).forgetRoom("team blue");
    expect(api.forgotten).toEqual(["team blue tok"]);
  });
});

describe("read markers of a token member", () => {
  it("markRead sends read forward only", () => {
    const room = client({ token: "tok" }).room("8888");
    void room.connect();
    FakeSocket.last().say(joined([], 9));
    room.markRead(5);
    room.markRead(3);
    room.markRead(5);
    room.markRead(7);
    expect(reads(FakeSocket.last())).toEqual([
      { action: "read", seq: 5 },
      { action: "read", seq: 7 },
    ]);
    expect(room.lastRead).toBe(7);
  });

  it("a mark made while not open is sent on the next joined", () => {
    const room = client({ token: "tok" }).room("8888");
    void room.connect();
    room.markRead(4);
    FakeSocket.last().say(joined([], 9));
    expect(reads(FakeSocket.last())).toEqual([{ action: "read", seq: 4 }]);
  });
});

describe("an anonymous person's list", () => {
  it("sends no read frame, and keeps the marker in the markers store from the first joined's lastSeq", () => {
    const markers = memoryMarkers();
    const room = client({ markers }).room("8888");
    void room.connect();
    FakeSocket.last().say(joined([], 6));
    expect(markers.load()).toMatchObject([{ room: "8888", lastRead: 6, ids: [me.id] }]);
    room.markRead(8);
    room.markRead(7);
    expect(reads(FakeSocket.last())).toEqual([]);
    expect(markers.load()[0]?.lastRead).toBe(8);
  });

  it("myRooms() counts others' messages and mentions after the marker, not one's own nor deleted ones", async () => {
    const mention = { ...message(4), mentions: [me.id] };
    const deleted = { ...message(5), text: "", deleted: true as const };
    const mine = echo({ msg: "mine", id: "m6" }, 6);
    const api = fakeApi([message(1), message(2), message(3), mention, deleted, mine, message(7)]);
    const c = client({ api });
    void c.room("8888").connect();
    FakeSocket.last().say(joined([], 2));
    const rooms = await c.myRooms();
    expect(rooms).toEqual([{ room: "8888", access: "ok", lastRead: 2, lastSeq: 7, unread: 3, mentions: 1, lastMessage: message(7) }]);
  });

  it("forgetRoom() takes a room off the local list", async () => {
    const markers = memoryMarkers();
    const c = client({ markers });
    void c.room("8888").connect();
    FakeSocket.last().say(joined([], 1));
    await c.forgetRoom("8888");
    expect(markers.load()).toEqual([]);
    await expect(c.myRooms()).resolves.toEqual([]);
  });

  it("a saved list drops malformed entries", () => {
    const raw = JSON.stringify([{ room: "a", lastRead: 2, ids: ["x", 3], joinedAt: 1 }, { room: 5 }, null]);
    expect(parseLocalRooms(raw)).toEqual([{ room: "a", lastRead: 2, ids: ["x"], joinedAt: 1 }]);
    expect(parseLocalRooms("{")).toEqual([]);
  });

  it("counts a message that is the marker's own seq as read", () => {
    expect(countAfter([message(3), message(4)], 3, [me.id])).toMatchObject({ unread: 1, lastSeq: 4 });
  });
});

describe("mentions", () => {
  it("send() puts mentions in the frame, and a resend after a reconnect keeps them", async () => {
    const room = client().room("8888");
    void room.connect();
    FakeSocket.last().say(joined([], 0));
    void room.send("@batman look", { mentions: [other.id] });
    expect(FakeSocket.last().frames().at(-1)).toMatchObject({ action: "send_to_room", mentions: [other.id] });
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(200);
    FakeSocket.last().say(joined([], 0));
    await settle();
    expect(FakeSocket.last().sends()[0]).toMatchObject({ msg: "@batman look", mentions: [other.id] });
  });

  it("check() refuses more than 20 mentions", () => {
    const room = client().room("8888");
    const mentions = Array.from({ length: 21 }, (_, i) => `u${i}`);
    expect(room.check("hi", { mentions })?.code).toBe("bad_frame");
  });
});
