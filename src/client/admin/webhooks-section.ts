/**
 * A room's webhooks: the backlog, the dead letters and a button that sends
 * them again. Shown only when `GET /api/admin/rooms/:room/webhooks` answers
 * (servers before webhooks answer 404: the section is left out).
 */
import { el, when } from "./dom";
import { section } from "./room-sections";
import type { SectionContext } from "./sections";

export async function webhooksSection(ctx: SectionContext): Promise<HTMLElement | null> {
  const status = await ctx.api.webhooks(ctx.room);
  if (!status.ok) return null;
  const { enabled, backlog, dead, deadLetters } = status.value;
  const summary = el("p", {}, `${enabled ? "On" : "Off"} · waiting to be sent: ${backlog} · dead letters: ${dead}`);
  if (!deadLetters.length) return section("webhooks-heading", "Webhooks", summary);
  const replay = el("button", { type: "button", "data-key": "replay" }, "Send the dead letters again");
  replay.addEventListener("click", async () => {
    // Marked, not disabled: a disabled button drops the focus, which the detail's refresh keeps (dom.ts).
    if (replay.getAttribute("aria-disabled") === "true") return;
    replay.setAttribute("aria-disabled", "true");
    const replayed = await ctx.api.replayWebhooks(ctx.room);
    ctx.done(replayed.ok ? `Dead letters due again: ${replayed.value.replayed}.` : `Could not replay: ${replayed.error.message}`);
  });
  const head = el("tr", {}, ...["Event", "Type", "Attempts", "Last error", "Failed at"].map((h) => el("th", { scope: "col" }, h)));
  const rows = deadLetters.map((d) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, el("code", {}, d.id)),
      el("td", {}, d.type),
      el("td", { class: "num" }, d.attempts),
      el("td", {}, d.error ?? "—"),
      el("td", {}, when(d.failedAt)),
    ),
  );
  const table = el(
    "table",
    {},
    el("caption", { class: "visually-hidden" }, "Dead letters"),
    el("thead", {}, head),
    el("tbody", {}, ...rows),
  );
  return section("webhooks-heading", "Webhooks", summary, table, replay);
}
