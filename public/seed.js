// The seed chat room's client, without jQuery: connect, then join/send/leave in-band.
const $ = (id) => document.getElementById(id);
const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
const log = (line) => { $("msgList").value += ($("msgList").value ? "\r\n" : "") + line; };
ws.onopen = () => log("websocket connection opened .");
ws.onmessage = (e) => log(e.data);
ws.onclose = () => log("websocket connection closed .");
const send = (frame) => ws.send(JSON.stringify(frame));
$("btnJoin").onclick = () => { if ($("txtRoomNo").value) send({ action: "join", msg: $("txtRoomNo").value, nick: $("txtNickName").value }); };
$("btnSend").onclick = () => { if ($("txtMsg").value) send({ action: "send_to_room", msg: $("txtMsg").value, nick: $("txtNickName").value }); };
$("btnLeave").onclick = () => send({ action: "leave", msg: "", nick: $("txtNickName").value });
