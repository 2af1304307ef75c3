/**
 * A message's reactions on screen: the emoji picker and the chips under its
 * text, built and updated in place so the keyboard's focus survives.
 */
import type { ReactionChip } from "../core/reactions";
import { el } from "./view";

/** The emoji the picker offers. Any emoji can be on a message (another client may use others); these are one click away. */
const EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢"] as const;

/**
 * Opens (or closes, if open) the emoji picker under a message's text. Picking
 * one calls `pick` and closes it; Escape closes it. Focus goes to the first
 * emoji, and back to `opener` when it closes.
 */
export function togglePicker(item: HTMLElement, opener: HTMLButtonElement, pick: (emoji: string) => void): void {
  const open = item.querySelector<HTMLElement>(".picker");
  if (open) {
    closePicker(open);
    return;
  }
  const picker = el("div", "picker");
  picker.setAttribute("role", "group");
  picker.setAttribute("aria-label", "Pick a reaction");
  const close = () => {
    closePicker(picker);
    opener.focus();
  };
  for (const emoji of EMOJI) {
    const button = el("button", "", emoji);
    button.type = "button";
    button.addEventListener("click", () => {
      close();
      pick(emoji);
    });
    picker.append(button);
  }
  picker.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    close();
  });
  opener.setAttribute("aria-expanded", "true");
  pickers.set(picker, opener);
  (item.querySelector(".reactions") ?? item.querySelector(".text"))?.after(picker);
  picker.querySelector("button")?.focus();
}

const pickers = new WeakMap<Element, HTMLButtonElement>();

/** Closes an open picker. */
export function closePicker(picker: Element): void {
  pickers.get(picker)?.setAttribute("aria-expanded", "false");
  picker.remove();
}

/**
 * Shows a message's reaction chips (none: no row). Chips are updated in
 * place, so one that has the focus keeps it. With `toggle`, a click toggles
 * the reader's own reaction; without, the chips only show.
 */
export function showReactions(item: HTMLElement, chips: readonly ReactionChip[], toggle?: (emoji: string) => void): void {
  let row = item.querySelector<HTMLElement>(".reactions");
  // A chip taken away with the keyboard's focus on it (its last reaction taken back) hands the focus to React, or the
  // message. Not a tapped one: on a touch screen, React taking the focus would show the message's actions.
  const active = document.activeElement;
  const focusedChip = active instanceof HTMLElement && row?.contains(active) && active.matches(":focus-visible") ? active : null;
  const keepFocus = () => {
    if (!focusedChip || focusedChip.isConnected) return;
    const react = item.querySelector<HTMLElement>(".action-react");
    if (!react) item.tabIndex = -1;
    (react ?? item).focus();
  };
  if (!chips.length) {
    row?.remove();
    keepFocus();
    return;
  }
  if (!row) {
    row = el("div", "reactions");
    item.querySelector(".text")?.after(row);
  }
  const existing = new Map<string, HTMLButtonElement>();
  for (const node of row.querySelectorAll<HTMLButtonElement>(".chip")) existing.set(node.dataset.emoji ?? "", node);
  const wanted = new Set(chips.map((c) => c.emoji));
  for (const [emoji, node] of existing) if (!wanted.has(emoji)) node.remove();
  let prev: Element | null = null;
  for (const chip of chips) {
    let button = existing.get(chip.emoji);
    if (!button) {
      button = el("button", "chip");
      button.type = "button";
      button.dataset.emoji = chip.emoji;
      button.append(el("span", "chip-emoji", chip.emoji), " ", el("span", "chip-count"));
      const emoji = chip.emoji;
      if (toggle) button.addEventListener("click", () => toggle(emoji));
      else button.disabled = true;
    }
    const count = button.querySelector(".chip-count");
    if (count) count.textContent = String(chip.count);
    button.setAttribute("aria-pressed", String(chip.mine));
    button.title = chip.nicks.join(", ");
    // Move only what is out of place: moving a node takes its focus away.
    if ((prev ? prev.nextElementSibling : row.firstElementChild) !== button) {
      if (prev) prev.after(button);
      else row.prepend(button);
    }
    prev = button;
  }
  keepFocus();
}
