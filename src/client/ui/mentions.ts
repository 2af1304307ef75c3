/**
 * The composer's `@` autocomplete: typing `@` and the start of a nick offers
 * the room's members known to the page (the member list's); ArrowUp and
 * ArrowDown choose, Enter or Tab picks, Escape closes. A pick writes
 * `@nick ` and remembers whom it names: the message's `mentions` are the
 * picked members whose `@nick` is still in the text when it is sent.
 */
import type { PresentMember } from "../../shared/events";
import { connection } from "./connection";
import { mentionOptions, messageInput } from "./dom";
import { knownMembers } from "./members";
import { el } from "./view";

/** At most this many names are offered at once. */
const MAX_OFFERED = 8;

/** The members picked for the message being written, by nick; the names offered now and the one chosen. */
const state: { picked: Map<string, string>; offered: PresentMember[]; active: number; start: number } = {
  picked: new Map(),
  offered: [],
  active: 0,
  start: -1,
};

/** The `@word` right before the caret: where it starts and what is typed after the `@`. */
function typedMention(): { start: number; query: string } | null {
  const caret = messageInput.selectionStart ?? messageInput.value.length;
  const match = /(?:^|\s)@([^\s@]*)$/u.exec(messageInput.value.slice(0, caret));
  const query = match?.[1];
  if (query === undefined) return null;
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

function offer(): void {
  const typed = typedMention();
  const self = connection.self?.id;
  state.offered = typed
    ? knownMembers()
        .filter((m) => m.id !== self && m.nick.toLowerCase().startsWith(typed.query))
        .slice(0, MAX_OFFERED)
    : [];
  state.start = typed?.start ?? -1;
  state.active = 0;
  show();
}

function show(): void {
  mentionOptions.replaceChildren(
    ...state.offered.map((member, i) => {
      const option = el("div", "mention-option", `@${member.nick}`);
      option.id = `mention-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(i === state.active));
      option.addEventListener("mousedown", (event) => {
        // Keeps the focus in the composer.
        event.preventDefault();
        pick(member);
      });
      return option;
    }),
  );
  const open = state.offered.length > 0;
  mentionOptions.hidden = !open;
  if (open) messageInput.setAttribute("aria-activedescendant", `mention-${state.active}`);
  else messageInput.removeAttribute("aria-activedescendant");
}

function close(): void {
  state.offered = [];
  show();
}

function pick(member: PresentMember): void {
  const caret = messageInput.selectionStart ?? messageInput.value.length;
  const before = `${messageInput.value.slice(0, state.start)}@${member.nick} `;
  messageInput.value = before + messageInput.value.slice(caret);
  messageInput.setSelectionRange(before.length, before.length);
  state.picked.set(member.nick, member.id);
  close();
}

/** The member ids the text mentions: those picked whose `@nick` it still holds. */
export function mentionsIn(text: string): string[] {
  const ids = [...state.picked].filter(([nick]) => text.includes(`@${nick}`)).map(([, id]) => id);
  return [...new Set(ids)];
}

/** The message went: its picks are not the next one's. */
export function forgetMentions(): void {
  state.picked.clear();
  close();
}

messageInput.addEventListener("input", offer);
messageInput.addEventListener("blur", close);
// Capture: at the composer, these keys belong to the open list before the composer's own (Enter sends).
messageInput.addEventListener(
  "keydown",
  (event) => {
    if (mentionOptions.hidden || event.isComposing) return;
    const n = state.offered.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      state.active = (state.active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      show();
    } else if (event.key === "Enter" || event.key === "Tab") {
      const member = state.offered[state.active];
      if (member) pick(member);
    } else if (event.key === "Escape") {
      close();
    } else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  },
  true,
);
