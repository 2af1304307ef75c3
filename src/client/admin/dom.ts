/** The elements of public/admin.html the page fills in, and a builder that only ever sets text (user text is never parsed as HTML). */

function $<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

export const signInForm = $<HTMLFormElement>("sign-in");
export const keyInput = $<HTMLInputElement>("key");
export const signInError = $<HTMLElement>("sign-in-error");
export const signOutButton = $<HTMLButtonElement>("sign-out");
export const signedIn = $<HTMLElement>("signed-in");
export const refreshButton = $<HTMLButtonElement>("refresh");
export const roomsStatus = $<HTMLElement>("rooms-status");
export const roomsBody = $<HTMLTableSectionElement>("rooms-body");
export const roomsEmpty = $<HTMLElement>("rooms-empty");
export const detail = $<HTMLElement>("detail");
export const detailHeading = $<HTMLElement>("detail-heading");
export const detailBody = $<HTMLElement>("detail-body");
export const actionStatus = $<HTMLElement>("action-status");

type Child = Node | string | number;

/** An element with attributes (never `innerHTML`) and children, strings becoming text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(typeof child === "number" ? String(child) : child);
  return node;
}

/** "12:03:04" today, else the date and time; "—" for none. */
export function when(epochMs: number | null): string {
  if (epochMs === null) return "—";
  const at = new Date(epochMs);
  const today = new Date().toDateString() === at.toDateString();
  return today ? at.toLocaleTimeString() : at.toLocaleString();
}

/**
 * Rebuilds `container` with `render` and gives the focus back to what had it
 * (matched by `data-key`): the 10 s refresh must not take a keyboard user's
 * place away. When that element is gone, `fallback` gets the focus.
 */
export function keepingFocus(container: HTMLElement, render: () => void, fallback?: HTMLElement): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.key : undefined;
  render();
  if (key === undefined) return;
  const again = Array.from(container.querySelectorAll<HTMLElement>("[data-key]")).find((n) => n.dataset.key === key);
  (again ?? fallback)?.focus();
}
