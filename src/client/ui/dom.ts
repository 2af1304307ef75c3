/** The elements of public/index.html that the page's modules fill in and listen to. */

function $<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

export const joinForm = $<HTMLFormElement>("join-form");
export const roomInput = $<HTMLInputElement>("room");
export const nickInput = $<HTMLInputElement>("nick");
export const leaveButton = $<HTMLButtonElement>("leave");
export const joinError = $<HTMLElement>("join-error");
export const statusBox = $<HTMLElement>("status");
export const statusText = $<HTMLElement>("status-text");
export const statusDetail = $<HTMLElement>("status-detail");
export const retryButton = $<HTMLButtonElement>("retry");
export const roomTitle = $<HTMLElement>("room-title");
export const scroller = $<HTMLElement>("scroller");
export const log = $<HTMLElement>("log");
export const outboxList = $<HTMLElement>("outbox");
export const emptyState = $<HTMLElement>("empty");
export const olderButton = $<HTMLButtonElement>("older");
export const jumpButton = $<HTMLButtonElement>("jump");
export const composer = $<HTMLFormElement>("composer");
export const messageInput = $<HTMLTextAreaElement>("message");
export const sendButton = $<HTMLButtonElement>("send");
export const composerError = $<HTMLElement>("composer-error");
export const composerHelp = $<HTMLElement>("composer-help");
export const contextBox = $<HTMLElement>("composer-context");
export const contextText = $<HTMLElement>("context-text");
export const contextCancel = $<HTMLButtonElement>("context-cancel");
export const typingLine = $<HTMLElement>("typing");
export const announcer = $<HTMLElement>("announcer");
export const membersList = $<HTMLUListElement>("members");
export const membersHeading = $<HTMLElement>("members-heading");
export const memberCount = $<HTMLElement>("member-count");
export const membersEmpty = $<HTMLElement>("members-empty");
export const roomsPanel = $<HTMLElement>("rooms-panel");
export const roomList = $<HTMLUListElement>("rooms");
export const roomsEmpty = $<HTMLElement>("rooms-empty");
export const roomsToggle = $<HTMLButtonElement>("rooms-toggle");
export const roomsTotal = $<HTMLElement>("rooms-total");
export const mentionOptions = $<HTMLElement>("mention-options");
